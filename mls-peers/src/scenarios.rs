//! The interop matrix: each scenario written once against [`Peer`], run
//! with every implementation in every role on every suite the
//! implementations involved share.
//!
//! The scenario families follow the interop harness's configs
//! (`welcome_join`, `application`, `commit`, `external_join`,
//! `external_proposals`, `reinit`, `branch`, `deep_random`). Every group
//! is mixed: at least three members, every implementation of the cell
//! among them. After every epoch all members agree on the epoch
//! authenticator and an exporter output (RFC 9420 §8, §8.5), and an
//! application message from every member opens at every other member.

use core::fmt;

use crate::peer::{CommitSpec, Event, ExternalJoin, Feature, Impl, Peer, Prop, Res};

/// Who does what in a cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Roles {
    /// Creates the group.
    pub creator: Impl,
    /// Commits the scenario's commit(s).
    pub committer: Impl,
    /// Sends the scenario's proposals and application messages.
    pub proposer: Impl,
    /// Joins (by Welcome or external commit).
    pub joiner: Impl,
}

impl fmt::Display for Roles {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "create={} commit={} propose={} join={}",
            self.creator, self.committer, self.proposer, self.joiner
        )
    }
}

/// A cell's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Every check held.
    Pass,
    /// Something failed: what.
    Fail(String),
    /// Not applicable: why.
    NotApplicable(String),
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Pass => f.write_str("pass"),
            Outcome::Fail(e) => write!(f, "fail ({e})"),
            Outcome::NotApplicable(r) => write!(f, "n/a ({r})"),
        }
    }
}

/// Why a scenario stopped.
#[derive(Debug)]
pub enum Stop {
    /// A check or a peer failed.
    Fail(String),
    /// A role's implementation lacks a feature.
    NotApplicable(String),
}

impl From<String> for Stop {
    fn from(e: String) -> Self {
        Stop::Fail(e)
    }
}

impl From<&str> for Stop {
    fn from(e: &str) -> Self {
        Stop::Fail(e.to_string())
    }
}

type Run = Result<(), Stop>;

fn fail<T>(msg: impl Into<String>) -> Result<T, Stop> {
    Err(Stop::Fail(msg.into()))
}

/// A scenario of the matrix.
#[derive(Debug, Clone, Copy)]
pub struct Scenario {
    /// `family/variant`.
    pub name: &'static str,
    /// Runs one cell.
    pub run: fn(&mut World) -> Run,
}

/// The group of a cell and its clients.
pub struct World {
    /// The cell's suite.
    pub suite: u16,
    /// The cell's roles.
    pub roles: Roles,
    /// The implementations taking part.
    pub impls: Vec<Impl>,
    /// The members, in join order.
    pub members: Vec<Box<dyn Peer>>,
    next_name: usize,
    tree_in_welcome: bool,
    /// Application messages opened (for the summary).
    pub opened: usize,
    /// Epochs checked.
    pub epochs: usize,
}

impl fmt::Debug for World {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("World")
            .field("suite", &self.suite)
            .field("roles", &self.roles)
            .field("members", &self.members.len())
            .finish()
    }
}

impl World {
    /// A world for `roles` on `suite` with the implementations `impls`.
    pub fn new(suite: u16, roles: Roles, impls: Vec<Impl>) -> Self {
        Self {
            suite,
            roles,
            impls,
            members: Vec::new(),
            next_name: 0,
            tree_in_welcome: true,
            opened: 0,
            epochs: 0,
        }
    }

    /// A fresh client of `imp`, with a unique name.
    pub fn client(&mut self, imp: Impl) -> Res<Box<dyn Peer>> {
        self.next_name += 1;
        let mut p = imp.client(&format!("{}-{}", imp.short(), self.next_name), self.suite)?;
        p.set_tree_in_welcome(self.tree_in_welcome);
        Ok(p)
    }

    /// Stops with n/a when the implementation in a role lacks `feature`.
    pub fn require(&self, imp: Impl, feature: Feature) -> Run {
        match imp.lacks(feature) {
            Some(r) => Err(Stop::NotApplicable(format!("{imp}: {r}"))),
            None => Ok(()),
        }
    }

    /// Index of the first member of `imp`, other than `not`.
    pub fn member_of(&self, imp: Impl, not: &[usize]) -> Res<usize> {
        self.members
            .iter()
            .enumerate()
            .position(|(i, m)| m.implementation() == imp && !not.contains(&i))
            .ok_or_else(|| format!("no member of {imp}"))
    }

    /// The committer's member index.
    pub fn committer(&self) -> Res<usize> {
        self.member_of(self.roles.committer, &[])
    }

    /// The proposer's member index (another member than the committer
    /// when there is one of that implementation).
    pub fn proposer(&self) -> Res<usize> {
        let c = self.committer()?;
        self.member_of(self.roles.proposer, &[c])
            .or_else(|_| self.member_of(self.roles.proposer, &[]))
    }

    /// A member that is neither committer nor proposer.
    pub fn bystander(&self) -> Res<usize> {
        let (c, p) = (self.committer()?, self.proposer()?);
        (0..self.members.len())
            .rev()
            .find(|i| *i != c && *i != p)
            .ok_or_else(|| "no bystander".into())
    }

    /// The creator creates the group; one member of every other
    /// implementation joins, and more of the creator's until there are
    /// `size` members; every member agrees (epoch 1).
    pub fn setup(&mut self, size: usize) -> Run {
        let mut creator = self.client(self.roles.creator)?;
        creator.create_group(b"interop matrix")?;
        self.members.push(creator);
        let mut joiners: Vec<Impl> = self
            .impls
            .iter()
            .copied()
            .filter(|i| *i != self.roles.creator)
            .collect();
        while joiners.len() + 1 < size {
            joiners.push(self.impls[joiners.len() % self.impls.len()]);
        }
        self.add_members(0, &joiners)?;
        Ok(())
    }

    /// Member `by` adds new clients of `imps` by value in one commit;
    /// everyone processes, the new members join; all agree.
    pub fn add_members(&mut self, by: usize, imps: &[Impl]) -> Res<Vec<usize>> {
        let mut new = Vec::new();
        let mut kps = Vec::new();
        for imp in imps {
            let mut c = self.client(*imp)?;
            kps.push(Prop::Add(c.key_package()?));
            new.push(c);
        }
        let out = self.commit(
            by,
            &CommitSpec {
                by_value: kps,
                by_reference: false,
                force_path: false,
            },
        )?;
        let welcome = out.ok_or("no Welcome")?;
        let tree = if self.tree_in_welcome {
            None
        } else {
            Some(self.members[by].ratchet_tree()?)
        };
        let mut idx = Vec::new();
        for mut c in new {
            c.join(&welcome, tree.as_deref())
                .map_err(|e| format!("{} joining: {e}", c.name()))?;
            self.members.push(c);
            idx.push(self.members.len() - 1);
        }
        self.check()?;
        Ok(idx)
    }

    /// Member `by` commits `spec`; every other member processes the
    /// commit (removed members leave). Returns the Welcome, if any. Does
    /// not check agreement (the caller joins new members first).
    pub fn commit(&mut self, by: usize, spec: &CommitSpec) -> Res<Option<Vec<u8>>> {
        let out = self.members[by]
            .commit(spec)
            .map_err(|e| format!("{} committing: {e}", self.members[by].name()))?;
        self.deliver_commit(Some(by), &out.commit)?;
        Ok(out.welcome)
    }

    /// Every member but `from` processes the commit `c`; removed members
    /// leave the world.
    pub fn deliver_commit(&mut self, from: Option<usize>, c: &[u8]) -> Res<()> {
        let mut removed = Vec::new();
        for (i, m) in self.members.iter_mut().enumerate() {
            if Some(i) == from {
                continue;
            }
            match m.process(c) {
                Ok(Event::Commit { removed: true, .. }) => removed.push(i),
                Ok(Event::Commit { .. }) => {}
                Ok(other) => return Err(format!("{} got {other:?} for a commit", m.name())),
                Err(e) => return Err(format!("{} processing a commit: {e}", m.name())),
            }
        }
        for i in removed.into_iter().rev() {
            self.members.remove(i);
        }
        Ok(())
    }

    /// Member `by` sends `p`; every other member caches it.
    pub fn propose(&mut self, by: usize, p: &Prop) -> Res<()> {
        let m = self.members[by]
            .propose(p)
            .map_err(|e| format!("{} proposing {}: {e}", self.members[by].name(), p.kind()))?;
        self.deliver_proposal(Some(by), &m)
    }

    /// Every member but `from` processes the proposal `m`.
    pub fn deliver_proposal(&mut self, from: Option<usize>, m: &[u8]) -> Res<()> {
        for (i, peer) in self.members.iter_mut().enumerate() {
            if Some(i) == from {
                continue;
            }
            match peer.process(m) {
                Ok(Event::Proposal) => {}
                Ok(other) => return Err(format!("{} got {other:?} for a proposal", peer.name())),
                Err(e) => return Err(format!("{} processing a proposal: {e}", peer.name())),
            }
        }
        Ok(())
    }

    /// All members agree on epoch, epoch authenticator and exporter, and
    /// a message from every member opens at every other member.
    pub fn check(&mut self) -> Res<()> {
        let first = self.members[0].state()?;
        for m in &mut self.members[1..] {
            let s = m.state()?;
            if s != first {
                return Err(format!(
                    "{} disagrees with {} at epoch {} (theirs {})",
                    m.name(),
                    "the first member",
                    first.epoch,
                    s.epoch
                ));
            }
        }
        for i in 0..self.members.len() {
            let data = format!("epoch {} from {}", first.epoch, self.members[i].name());
            let m = self.members[i].protect(data.as_bytes())?;
            self.open_everywhere(i, &m, data.as_bytes())?;
        }
        self.epochs += 1;
        Ok(())
    }

    /// Every member but `from` opens `m` as `data`.
    pub fn open_everywhere(&mut self, from: usize, m: &[u8], data: &[u8]) -> Res<()> {
        for (j, peer) in self.members.iter_mut().enumerate() {
            if j == from {
                continue;
            }
            match peer.process(m) {
                Ok(Event::Application(d)) if d == data => self.opened += 1,
                Ok(other) => {
                    return Err(format!(
                        "{} got {other:?} for application data",
                        peer.name()
                    ));
                }
                Err(e) => return Err(format!("{} opening application data: {e}", peer.name())),
            }
        }
        Ok(())
    }
}

fn by_ref() -> CommitSpec {
    CommitSpec::default()
}

fn by_value(p: Vec<Prop>) -> CommitSpec {
    CommitSpec {
        by_value: p,
        by_reference: false,
        force_path: false,
    }
}

const PSK_ID: &[u8] = b"interop psk";
const PSK_SECRET: &[u8] = &[0x42; 32];

// ---- welcome join -------------------------------------------------------

fn welcome_join(w: &mut World, force_path: bool, psk: bool, tree_in_welcome: bool) -> Run {
    w.tree_in_welcome = tree_in_welcome;
    w.setup(3)?;
    let mut joiner = w.client(w.roles.joiner)?;
    if psk {
        joiner.install_psk(PSK_ID, PSK_SECRET)?;
        for m in &mut w.members {
            m.install_psk(PSK_ID, PSK_SECRET)?;
        }
    }
    let (c, p) = (w.committer()?, w.proposer()?);
    let kp = joiner.key_package()?;
    w.propose(p, &Prop::Add(kp))?;
    if psk {
        w.propose(p, &Prop::ExternalPsk(PSK_ID.to_vec()))?;
    }
    let welcome = w
        .commit(
            c,
            &CommitSpec {
                force_path,
                ..by_ref()
            },
        )?
        .ok_or("no Welcome")?;
    let tree = if tree_in_welcome {
        None
    } else {
        Some(w.members[c].ratchet_tree()?)
    };
    joiner.join(&welcome, tree.as_deref())?;
    w.members.push(joiner);
    w.check()?;
    Ok(())
}

// ---- application ---------------------------------------------------------

fn application(w: &mut World, order: &[usize], across_epochs: bool) -> Run {
    w.setup(3)?;
    let p = w.proposer()?;
    let mut msgs = Vec::new();
    let mut commit = None;
    for k in 0..order.len() {
        if across_epochs && k == order.len() / 2 {
            let c = w.committer()?;
            let out = w.members[c].commit(&CommitSpec {
                force_path: true,
                ..by_ref()
            })?;
            if c != p {
                w.members[p].process(&out.commit)?;
            }
            commit = Some((c, out.commit));
        }
        let data = format!("message {k}").into_bytes();
        msgs.push((w.members[p].protect(&data)?, data));
    }
    for j in 0..w.members.len() {
        if j == p {
            continue;
        }
        if let Some((c, bytes)) = &commit
            && j != *c
        {
            match w.members[j].process(bytes)? {
                Event::Commit { .. } => {}
                other => return fail(format!("{other:?} for a commit")),
            }
        }
        for &k in order {
            let (m, data) = &msgs[k];
            match w.members[j].process(m) {
                Ok(Event::Application(d)) if &d == data => w.opened += 1,
                Ok(other) => return fail(format!("message {k}: {other:?}")),
                Err(e) => {
                    return fail(format!("{} opening message {k}: {e}", w.members[j].name()));
                }
            }
        }
    }
    w.check()?;
    Ok(())
}

// ---- commit: one proposal type -------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Add,
    Remove,
    Update,
    Gce,
    ExternalPsk,
    ResumptionPsk,
}

fn one_proposal(w: &mut World, kind: Kind, reference: bool) -> Run {
    w.setup(3)?;
    for m in &mut w.members {
        m.install_psk(PSK_ID, PSK_SECRET)?;
    }
    let (c, p) = (w.committer()?, w.proposer()?);
    let mut joiner = None;
    let props: Vec<Prop> = match kind {
        Kind::Add => {
            let mut j = w.client(w.roles.joiner)?;
            let kp = j.key_package()?;
            joiner = Some(j);
            vec![Prop::Add(kp)]
        }
        Kind::Remove => {
            // The joiner joins first; then it is removed.
            let i = w.add_members(c, &[w.roles.joiner])?[0];
            vec![Prop::Remove(w.members[i].leaf()?)]
        }
        Kind::Update => vec![Prop::Update],
        Kind::Gce => {
            let mut ds = w.client(Impl::Ours)?;
            vec![Prop::GroupContextExtensions(vec![ds.external_sender()?])]
        }
        Kind::ExternalPsk => vec![Prop::ExternalPsk(PSK_ID.to_vec())],
        Kind::ResumptionPsk => {
            // Epoch 2 so that epoch 1 is a past epoch of every member.
            w.commit(
                c,
                &CommitSpec {
                    force_path: true,
                    ..by_ref()
                },
            )?;
            w.check()?;
            vec![Prop::ResumptionPsk(1)]
        }
    };
    let welcome = if reference {
        for prop in &props {
            w.propose(p, prop)?;
        }
        w.commit(c, &by_ref())?
    } else {
        w.commit(c, &by_value(props))?
    };
    if let Some(mut j) = joiner {
        j.join(&welcome.ok_or("no Welcome")?, None)?;
        w.members.push(j);
    }
    w.check()?;
    if kind == Kind::Gce {
        // And back to no extensions, from the proposer's side.
        let spec = by_value(vec![Prop::GroupContextExtensions(vec![])]);
        w.commit(p, &spec)?;
        w.check()?;
    }
    Ok(())
}

fn empty_commit(w: &mut World) -> Run {
    w.setup(3)?;
    let c = w.committer()?;
    w.commit(
        c,
        &CommitSpec {
            force_path: true,
            ..by_ref()
        },
    )?;
    w.check()?;
    let p = w.proposer()?;
    w.commit(
        p,
        &CommitSpec {
            force_path: true,
            ..by_ref()
        },
    )?;
    w.check()?;
    Ok(())
}

/// Every proposal type in one commit: the proposer sends Add, Remove,
/// GroupContextExtensions, external and resumption PSK and an Update by
/// reference; the committer adds one more member by value.
fn all_together(w: &mut World) -> Run {
    w.setup(4)?;
    for m in &mut w.members {
        m.install_psk(PSK_ID, PSK_SECRET)?;
    }
    let c = w.committer()?;
    w.commit(
        c,
        &CommitSpec {
            force_path: true,
            ..by_ref()
        },
    )?;
    w.check()?;
    let p = w.proposer()?;
    let victim = w.bystander()?;
    let victim_leaf = w.members[victim].leaf()?;
    let mut j1 = w.client(w.roles.joiner)?;
    let mut j2 = w.client(w.roles.creator)?;
    let mut ds = w.client(Impl::Ours)?;
    let epoch = w.members[p].state()?.epoch;
    for prop in [
        Prop::Add(j1.key_package()?),
        Prop::Remove(victim_leaf),
        Prop::GroupContextExtensions(vec![ds.external_sender()?]),
        Prop::ExternalPsk(PSK_ID.to_vec()),
        Prop::ResumptionPsk(epoch - 1),
        Prop::Update,
    ] {
        w.propose(p, &prop)?;
    }
    let before = w.members.len();
    let welcome = w.commit(
        c,
        &CommitSpec {
            by_value: vec![Prop::Add(j2.key_package()?)],
            by_reference: true,
            force_path: false,
        },
    )?;
    if welcome.is_none() {
        return fail("no Welcome");
    }
    // The new members cannot join from this Welcome: it injects a
    // resumption PSK of an epoch they were not in (RFC 9420 §8.6, §12.4.3.1
    // "the new member MUST have all PSKs"), as in the harness's script,
    // which lists no joiners for this commit.
    for m in &w.members {
        if m.members()? != before + 1 {
            return fail(format!("{} counts {} members", m.name(), m.members()?));
        }
    }
    w.check()?;
    Ok(())
}

// ---- external join -------------------------------------------------------

fn external_join(w: &mut World, psk: bool, resync: bool, tree_out_of_band: bool) -> Run {
    if psk {
        w.require(w.roles.joiner, Feature::ExternalCommitPsk)?;
    }
    w.setup(3)?;
    let c = w.committer()?;
    let mut joiner = if resync {
        // The joiner is a member that lost its state.
        let i = w.add_members(c, &[w.roles.joiner])?[0];
        w.members.remove(i)
    } else {
        w.client(w.roles.joiner)?
    };
    if psk {
        joiner.install_psk(PSK_ID, PSK_SECRET)?;
        for m in &mut w.members {
            m.install_psk(PSK_ID, PSK_SECRET)?;
        }
    }
    let gi = w.members[c].group_info(!tree_out_of_band)?;
    let how = ExternalJoin {
        psk: psk.then(|| PSK_ID.to_vec()),
        resync,
        tree: if tree_out_of_band {
            Some(w.members[c].ratchet_tree()?)
        } else {
            None
        },
    };
    let commit = joiner.external_join(&gi, &how)?;
    w.deliver_commit(None, &commit)?;
    w.members.push(joiner);
    let n = w.members.len();
    for m in &w.members {
        if m.members()? != n {
            return fail(format!(
                "{} counts {} members, not {n}",
                m.name(),
                m.members()?
            ));
        }
    }
    w.check()?;
    Ok(())
}

// ---- external proposals ----------------------------------------------------

fn external_sender(w: &mut World, remove: bool) -> Run {
    w.require(w.roles.proposer, Feature::ExternalSender)?;
    w.setup(3)?;
    let c = w.committer()?;
    let mut ds = w.client(w.roles.proposer)?;
    let es = ds.external_sender()?;
    w.commit(c, &by_value(vec![Prop::GroupContextExtensions(vec![es])]))?;
    w.check()?;
    let gi = w.members[c].group_info(true)?;
    let mut joiner = None;
    let prop = if remove {
        let i = w.add_members(c, &[w.roles.joiner])?[0];
        Prop::Remove(w.members[i].leaf()?)
    } else {
        let mut j = w.client(w.roles.joiner)?;
        let kp = j.key_package()?;
        joiner = Some(j);
        Prop::Add(kp)
    };
    let gi = if remove {
        w.members[c].group_info(true)?
    } else {
        gi
    };
    let m = ds.external_proposal(&gi, 0, &prop)?;
    w.deliver_proposal(None, &m)?;
    let welcome = w.commit(c, &by_ref())?;
    if let Some(mut j) = joiner {
        j.join(&welcome.ok_or("no Welcome")?, None)?;
        w.members.push(j);
    }
    w.check()?;
    Ok(())
}

fn new_member_add(w: &mut World) -> Run {
    w.setup(3)?;
    let c = w.committer()?;
    let mut joiner = w.client(w.roles.joiner)?;
    let gi = w.members[c].group_info(true)?;
    let m = joiner.new_member_add(&gi)?;
    w.deliver_proposal(None, &m)?;
    let welcome = w.commit(c, &by_ref())?.ok_or("no Welcome")?;
    joiner.join(&welcome, None)?;
    w.members.push(joiner);
    w.check()?;
    Ok(())
}

// ---- ReInit and branch -----------------------------------------------------

/// The implementations of a ReInit or branch cell: those of its roles
/// must all have `feature`; members are drawn from those that do.
fn resumption_world(w: &mut World, feature: Feature) -> Run {
    for imp in [
        w.roles.creator,
        w.roles.committer,
        w.roles.proposer,
        w.roles.joiner,
    ] {
        w.require(imp, feature)?;
    }
    w.impls.retain(|i| i.lacks(feature).is_none());
    w.setup(3)?;
    Ok(())
}

fn reinit(w: &mut World, change_suite: bool, reference: bool) -> Run {
    let suite = if change_suite {
        match w.suite {
            1 => 3,
            3 => 1,
            _ => {
                return Err(Stop::NotApplicable(
                    "no other shared suite with this signature scheme".into(),
                ));
            }
        }
    } else {
        w.suite
    };
    resumption_world(w, Feature::ReInit)?;
    let (c, p) = (w.committer()?, w.proposer()?);
    let prop = Prop::ReInit {
        group_id: b"interop successor".to_vec(),
        suite,
    };
    if reference {
        w.propose(p, &prop)?;
        w.commit(c, &by_ref())?;
    } else {
        w.commit(c, &by_value(vec![prop]))?;
    }
    w.check_state_only()?;
    // The joiner role creates the successor; everyone else joins it.
    let creator = w.member_of(w.roles.joiner, &[])?;
    let mut kps = Vec::new();
    for (i, m) in w.members.iter_mut().enumerate() {
        if i != creator {
            kps.push(m.reinit_key_package()?);
        }
    }
    let welcome = w.members[creator].reinit_create(&kps)?;
    for (i, m) in w.members.iter_mut().enumerate() {
        if i != creator {
            m.reinit_join(&welcome)
                .map_err(|e| format!("{} joining the successor: {e}", m.name()))?;
        }
    }
    w.check()?;
    Ok(())
}

fn branch(w: &mut World, force_path: bool) -> Run {
    resumption_world(w, Feature::Branch)?;
    let c = w.committer()?;
    w.commit(
        c,
        &CommitSpec {
            force_path: true,
            ..by_ref()
        },
    )?;
    w.check()?;
    let b = w.member_of(w.roles.joiner, &[])?;
    let mut kps = Vec::new();
    for (i, m) in w.members.iter_mut().enumerate() {
        if i != b {
            kps.push(m.key_package()?);
        }
    }
    let welcome = w.members[b].branch(b"interop branch", &kps, force_path)?;
    for (i, m) in w.members.iter_mut().enumerate() {
        if i != b {
            m.branch_join(&welcome)
                .map_err(|e| format!("{} joining the branch: {e}", m.name()))?;
        }
    }
    w.check()?;
    // The branch lives on: the proposer commits in it.
    let p = w.proposer()?;
    w.commit(
        p,
        &CommitSpec {
            force_path: true,
            ..by_ref()
        },
    )?;
    w.check()?;
    Ok(())
}

impl World {
    /// Agreement without application messages (a group ended by ReInit
    /// sends none, RFC 9420 §11.2).
    fn check_state_only(&mut self) -> Res<()> {
        let first = self.members[0].state()?;
        for m in &mut self.members[1..] {
            if m.state()? != first {
                return Err(format!("{} disagrees at epoch {}", m.name(), first.epoch));
            }
        }
        self.epochs += 1;
        Ok(())
    }
}

// ---- deep random -------------------------------------------------------------

/// A small deterministic generator (xorshift64*).
#[derive(Debug, Clone)]
pub struct Prng(u64);

impl Prng {
    /// Seeded.
    pub fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    /// Next value below `n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) as usize % n
    }
}

/// Operations of the deep scenario.
pub const DEEP_OPS: usize = 300;

/// `DEEP_OPS` random operations over a group of 3 to 8 members of all
/// implementations: application messages, path commits, Adds and Removes
/// by value and by reference, Updates by reference, external joins.
fn deep_random(w: &mut World, seed: u64) -> Run {
    w.setup(3)?;
    let mut rng = Prng::new(seed);
    let n_impls = w.impls.len();
    for op in 0..DEEP_OPS {
        let n = w.members.len();
        let a = rng.below(n);
        let ctx = |e: String| format!("op {op}: {e}");
        match rng.below(8) {
            0 | 1 => {
                let data = format!("deep {op}").into_bytes();
                let m = w.members[a].protect(&data).map_err(ctx)?;
                w.open_everywhere(a, &m, &data).map_err(ctx)?;
            }
            2 => {
                w.commit(
                    a,
                    &CommitSpec {
                        force_path: true,
                        ..by_ref()
                    },
                )
                .map_err(ctx)?;
                w.check().map_err(ctx)?;
            }
            3 if n < 8 => {
                let imp = w.impls[rng.below(n_impls)];
                w.add_members(a, &[imp]).map_err(ctx)?;
            }
            4 if n < 8 => {
                let imp = w.impls[rng.below(n_impls)];
                let mut j = w.client(imp).map_err(ctx)?;
                let kp = j.key_package().map_err(ctx)?;
                w.propose(a, &Prop::Add(kp)).map_err(ctx)?;
                let c = rng.below(n);
                let welcome = w.commit(c, &by_ref()).map_err(ctx)?.ok_or("no Welcome")?;
                j.join(&welcome, None).map_err(ctx)?;
                w.members.push(j);
                w.check().map_err(ctx)?;
            }
            5 if n > 3 => {
                let mut victim = rng.below(n);
                if victim == a {
                    victim = (victim + 1) % n;
                }
                let leaf = w.members[victim].leaf().map_err(ctx)?;
                if rng.below(2) == 0 {
                    w.commit(a, &by_value(vec![Prop::Remove(leaf)]))
                        .map_err(ctx)?;
                } else {
                    w.propose(a, &Prop::Remove(leaf)).map_err(ctx)?;
                    let mut c = rng.below(w.members.len());
                    if c == victim {
                        c = a;
                    }
                    w.commit(c, &by_ref()).map_err(ctx)?;
                }
                w.check().map_err(ctx)?;
            }
            6 => {
                w.propose(a, &Prop::Update).map_err(ctx)?;
                let mut c = rng.below(n);
                if c == a {
                    c = (c + 1) % n;
                }
                w.commit(c, &by_ref()).map_err(ctx)?;
                w.check().map_err(ctx)?;
            }
            7 if n < 8 => {
                let imp = w.impls[rng.below(n_impls)];
                let mut j = w.client(imp).map_err(ctx)?;
                let gi = w.members[a].group_info(true).map_err(ctx)?;
                let commit = j
                    .external_join(&gi, &ExternalJoin::default())
                    .map_err(ctx)?;
                w.deliver_commit(None, &commit).map_err(ctx)?;
                w.members.push(j);
                w.check().map_err(ctx)?;
            }
            _ => {
                let m = w.members[a].protect(b"filler").map_err(ctx)?;
                w.open_everywhere(a, &m, b"filler").map_err(ctx)?;
            }
        }
    }
    w.check()?;
    Ok(())
}

// ---- the matrix ----------------------------------------------------------------

/// Every scenario of the matrix (the deep one is separate: [`deep`]).
pub fn scenarios() -> Vec<Scenario> {
    vec![
        Scenario {
            name: "welcome_join/no_path_secret",
            run: |w| welcome_join(w, false, false, true),
        },
        Scenario {
            name: "welcome_join/with_path_secret",
            run: |w| welcome_join(w, true, false, true),
        },
        Scenario {
            name: "welcome_join/with_psk",
            run: |w| welcome_join(w, false, true, true),
        },
        Scenario {
            name: "welcome_join/with_external_tree",
            run: |w| welcome_join(w, false, false, false),
        },
        Scenario {
            name: "application/in_order",
            run: |w| application(w, &[0, 1, 2], false),
        },
        Scenario {
            name: "application/out_of_order_within_epoch",
            run: |w| application(w, &[2, 0, 1], false),
        },
        Scenario {
            name: "application/out_of_order_across_epochs",
            run: |w| application(w, &[3, 0, 2, 1], true),
        },
        Scenario {
            name: "commit/empty",
            run: empty_commit,
        },
        Scenario {
            name: "commit/add_by_value",
            run: |w| one_proposal(w, Kind::Add, false),
        },
        Scenario {
            name: "commit/add_by_reference",
            run: |w| one_proposal(w, Kind::Add, true),
        },
        Scenario {
            name: "commit/remove_by_value",
            run: |w| one_proposal(w, Kind::Remove, false),
        },
        Scenario {
            name: "commit/remove_by_reference",
            run: |w| one_proposal(w, Kind::Remove, true),
        },
        Scenario {
            name: "commit/update_by_reference",
            run: |w| one_proposal(w, Kind::Update, true),
        },
        Scenario {
            name: "commit/group_context_extensions_by_value",
            run: |w| one_proposal(w, Kind::Gce, false),
        },
        Scenario {
            name: "commit/group_context_extensions_by_reference",
            run: |w| one_proposal(w, Kind::Gce, true),
        },
        Scenario {
            name: "commit/external_psk_by_value",
            run: |w| one_proposal(w, Kind::ExternalPsk, false),
        },
        Scenario {
            name: "commit/external_psk_by_reference",
            run: |w| one_proposal(w, Kind::ExternalPsk, true),
        },
        Scenario {
            name: "commit/resumption_psk_by_value",
            run: |w| one_proposal(w, Kind::ResumptionPsk, false),
        },
        Scenario {
            name: "commit/resumption_psk_by_reference",
            run: |w| one_proposal(w, Kind::ResumptionPsk, true),
        },
        Scenario {
            name: "commit/all_together",
            run: all_together,
        },
        Scenario {
            name: "external_join/normal",
            run: |w| external_join(w, false, false, false),
        },
        Scenario {
            name: "external_join/with_psk",
            run: |w| external_join(w, true, false, false),
        },
        Scenario {
            name: "external_join/removing_prior",
            run: |w| external_join(w, false, true, false),
        },
        Scenario {
            name: "external_join/with_external_tree",
            run: |w| external_join(w, false, false, true),
        },
        Scenario {
            name: "external_proposals/external_add",
            run: |w| external_sender(w, false),
        },
        Scenario {
            name: "external_proposals/external_remove",
            run: |w| external_sender(w, true),
        },
        Scenario {
            name: "external_proposals/joiner_signed_add",
            run: new_member_add,
        },
        Scenario {
            name: "reinit/change_group_id_by_value",
            run: |w| reinit(w, false, false),
        },
        Scenario {
            name: "reinit/change_group_id_by_reference",
            run: |w| reinit(w, false, true),
        },
        Scenario {
            name: "reinit/change_ciphersuite",
            run: |w| reinit(w, true, false),
        },
        Scenario {
            name: "branch/base",
            run: |w| branch(w, false),
        },
        Scenario {
            name: "branch/force_path",
            run: |w| branch(w, true),
        },
    ]
}

/// The suites of the matrix.
pub const SUITES: [u16; 4] = [1, 2, 3, 7];

/// The implementations serving `suite`.
pub fn impls_for(suite: u16) -> Vec<Impl> {
    Impl::ALL
        .into_iter()
        .filter(|i| i.suites().contains(&suite))
        .collect()
}

/// The role assignments of a suite: every (committer, joiner) pair of
/// the implementations serving it; the proposer is the implementation
/// after the committer, the creator the one after the joiner (cyclically),
/// so every implementation takes every role.
pub fn roles_for(suite: u16) -> Vec<Roles> {
    let impls = impls_for(suite);
    let next = |i: Impl| {
        let k = impls.iter().position(|x| *x == i).unwrap_or(0);
        impls[(k + 1) % impls.len()]
    };
    let mut out = Vec::new();
    for &committer in &impls {
        for &joiner in &impls {
            out.push(Roles {
                creator: next(joiner),
                committer,
                proposer: next(committer),
                joiner,
            });
        }
    }
    out
}

/// One row of the matrix.
#[derive(Debug, Clone)]
pub struct Cell {
    /// `family/variant`.
    pub scenario: String,
    /// The suite.
    pub suite: u16,
    /// The roles.
    pub roles: Roles,
    /// The result.
    pub outcome: Outcome,
}

/// Runs `s` for `roles` on `suite`.
pub fn run_cell(s: &Scenario, suite: u16, roles: Roles) -> Cell {
    let mut w = World::new(suite, roles, impls_for(suite));
    let outcome = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| (s.run)(&mut w))) {
        Ok(Ok(())) => Outcome::Pass,
        Ok(Err(Stop::Fail(e))) => Outcome::Fail(e),
        Ok(Err(Stop::NotApplicable(r))) => Outcome::NotApplicable(r),
        Err(p) => Outcome::Fail(format!(
            "panic: {}",
            p.downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default()
        )),
    };
    Cell {
        scenario: s.name.to_string(),
        suite,
        roles,
        outcome,
    }
}

/// The deep random scenario on suite 1 with all three implementations:
/// one cell per seed, roles rotating with the seed.
pub fn deep(seed: u64) -> Cell {
    let all = roles_for(1);
    let roles = all[seed as usize % all.len()];
    let mut w = World::new(1, roles, impls_for(1));
    let outcome = match deep_random(&mut w, seed) {
        Ok(()) => Outcome::Pass,
        Err(Stop::Fail(e)) => Outcome::Fail(e),
        Err(Stop::NotApplicable(r)) => Outcome::NotApplicable(r),
    };
    Cell {
        scenario: format!(
            "deep_random/seed_{seed} ({DEEP_OPS} ops, {} epochs)",
            w.epochs
        ),
        suite: 1,
        roles,
        outcome,
    }
}
