//! Merging a staged commit (RFC 9420 §12.4.2, last steps; §7.5 and §9.2
//! deletion of what the new epoch no longer needs).

use super::Group;
use super::commit::StagedCommit;
use crate::crypto::Secret;
use crate::secret_tree::SecretTree;
use crate::tree::TreeRead;

/// Applies a staged commit (RFC 9420 §12.4.2, last steps; §7.5 deletion).
pub(crate) fn merge(group: &mut Group, staged: StagedCommit) {
    group.dirty.epoch();
    if staged.self_removed {
        group.active = false;
        group.proposals.clear();
        group.pending = None;
        return;
    }
    let Some(secrets) = staged.secrets else {
        return;
    };
    if let Some(diff) = staged.tree_diff {
        // Keep the ending epoch for late application messages (§15.3).
        if group.config.max_past_epochs > 0 {
            let changed = diff
                .changed_leaves()
                .map(|i| {
                    (
                        i.0,
                        group
                            .tree
                            .leaf(i)
                            .map(|l| l.signature_key.as_slice().to_vec()),
                    )
                })
                .collect();
            // Replaced by the new epoch's tree below.
            let placeholder = SecretTree::new(Secret::empty(), 0, group.config.ratchet);
            group.past_epochs.push_front(super::PastEpoch {
                context: group.context.clone(),
                secret_tree: core::mem::replace(&mut group.secret_tree, placeholder),
                sender_data_secret: group.secrets.sender_data_secret.duplicate(),
                changed,
            });
            group.past_epochs.truncate(group.config.max_past_epochs);
        }
        let old_width = crate::tree_math::node_width(group.tree.n_leaves());
        group.dirty.merge(&diff, old_width);
        group.tree.apply(diff);
    }
    let old_epoch = group.context.epoch;
    let old_resumption = core::mem::replace(&mut group.secrets, secrets).resumption_psk;
    group
        .resumption_psks
        .push_front((old_epoch, old_resumption));
    group
        .resumption_psks
        .truncate(group.config.max_resumption_psks);
    group.context = staged.context;
    group.interim_transcript_hash = staged.interim;
    group.confirmation_tag = staged.confirmation_tag;
    if let Some(p) = staged.private {
        group.private.apply(p);
    }
    // A committed Update of ours (RFC 9420 §12.1.2): switch to its key.
    let own_pk = group
        .tree
        .leaf(group.private.own_leaf)
        .map(|l| l.encryption_key.as_slice().to_vec());
    if let Some(pk) = own_pk {
        if let Some(pos) = group.pending_updates.iter().position(|(p, _)| *p == pk) {
            let (_, sk) = group.pending_updates.swap_remove(pos);
            group.private.leaf_key = sk;
        }
    }
    group.pending_updates.clear();
    // Forget keys of nodes that are blank or gone in the new tree.
    let tree = &group.tree;
    group.private.path_keys.retain(|x, _| !tree.is_blank(*x));
    group.secret_tree = SecretTree::new(
        group.secrets.take_encryption_secret(),
        group.tree.n_leaves(),
        group.config.ratchet,
    );
    group.proposals.clear();
    group.pending = None;
    if let Some(r) = staged.reinit {
        group.reinit = Some(r);
        group.active = false;
    }
}
