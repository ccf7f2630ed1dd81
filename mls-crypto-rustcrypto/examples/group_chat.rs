#![allow(clippy::expect_used, clippy::panic)]
//! A three-member group chat, from creation to removal, on the RustCrypto
//! backend: `cargo run --example group_chat`.
//!
//! Alice creates a group and adds Bob and Carol with one commit; everyone
//! chats; Bob updates his keys; Alice removes Carol; the remaining two
//! chat on. The "network" is a few function calls: mls-core is sans-IO,
//! so the application moves the messages.

use mls_core::codec::VLBytes;
use mls_core::crypto::{CipherSuite, CryptoProvider, SignaturePrivateKey};
use mls_core::group::{
    AcceptAllCredentials, CommitEnv, CommitOptions, Group, GroupConfig, MemberIdentity, NoPsks,
    ProcessEnv, Received,
};
use mls_core::key_package::{KeyPackageParams, KeyPackagePrivate, generate_key_package};
use mls_core::messages::{
    Add, Capabilities, Credential, CredentialType, KeyPackage, Lifetime, MlsMessage,
    MlsMessageBody, Proposal, ProtocolVersion, Remove,
};
use mls_crypto_rustcrypto::OsRng;

const SUITE: CipherSuite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;

fn capabilities() -> Capabilities {
    Capabilities {
        versions: vec![ProtocolVersion::MLS10],
        cipher_suites: vec![SUITE],
        extensions: vec![],
        proposals: vec![],
        credentials: vec![CredentialType::BASIC],
    }
}

fn lifetime() -> Lifetime {
    Lifetime {
        not_before: 0,
        not_after: u64::MAX,
    }
}

/// A client that is not yet in the group: its signature key and a KeyPackage.
struct Client {
    name: &'static str,
    signer: SignaturePrivateKey,
    key_package: KeyPackage,
    private: KeyPackagePrivate,
}

fn new_client(
    provider: &dyn CryptoProvider,
    name: &'static str,
    rng: &mut OsRng,
) -> Result<Client, mls_core::Error> {
    let cs = provider.cipher_suite(SUITE).expect("suite served");
    let (signer, _) = cs.signature().generate_key_pair(rng)?;
    let (key_package, private) = generate_key_package(
        cs,
        KeyPackageParams {
            signer: &signer,
            credential: Credential::Basic(VLBytes::new(name.as_bytes().to_vec())),
            capabilities: capabilities(),
            lifetime: lifetime(),
            leaf_extensions: vec![],
            extensions: vec![],
        },
        rng,
    )?;
    Ok(Client {
        name,
        signer,
        key_package,
        private,
    })
}

fn name_of(g: &Group, leaf: mls_core::group::LeafIndex) -> String {
    g.members()
        .find(|(i, _)| *i == leaf)
        .map(|(_, l)| match &l.credential {
            Credential::Basic(id) => String::from_utf8_lossy(id.as_slice()).into_owned(),
            _ => "?".into(),
        })
        .unwrap_or_else(|| "?".into())
}

/// Delivers `msg` to `group`, merging commits; prints application data.
fn deliver(
    provider: &dyn CryptoProvider,
    me: &str,
    group: &mut Group,
    msg: &MlsMessage,
) -> Result<(), mls_core::Error> {
    let mut env = ProcessEnv {
        psks: &NoPsks,
        credentials: &AcceptAllCredentials,
        now: None,
    };
    match group.process(provider, msg, &mut env)? {
        Received::Application { sender, data, .. } => {
            println!(
                "  {me} reads from {}: {}",
                name_of(group, sender),
                String::from_utf8_lossy(&data)
            );
        }
        Received::Commit(staged) => {
            let removed = staged.removes_self();
            group.merge_staged(*staged)?;
            if removed {
                println!("  {me} was removed from the group");
            } else {
                println!("  {me} is now in epoch {}", group.epoch());
            }
        }
        Received::Proposal(p) => println!("  {me} cached a {:?} proposal", p.proposal_type),
        Received::OwnCommit => group.merge_pending()?,
        _ => {}
    }
    Ok(())
}

fn main() -> Result<(), mls_core::Error> {
    let provider = mls_crypto_rustcrypto::provider();
    let mut rng = OsRng;
    let cs = provider.cipher_suite(SUITE).expect("suite served");

    // Alice creates the group.
    let (alice_sk, alice_pk) = cs.signature().generate_key_pair(&mut rng)?;
    let mut alice = Group::create(
        provider,
        SUITE,
        b"book club".to_vec(),
        MemberIdentity {
            credential: Credential::Basic(VLBytes::new(b"alice".to_vec())),
            signature_key: alice_sk.into(),
            signature_public_key: alice_pk,
            capabilities: capabilities(),
            extensions: vec![],
            lifetime: lifetime(),
        },
        vec![],
        GroupConfig::default(),
        &mut rng,
    )?;
    println!("alice created the group (epoch {})", alice.epoch());

    // Alice adds Bob and Carol in one commit.
    let bob_c = new_client(provider, "bob", &mut rng)?;
    let carol_c = new_client(provider, "carol", &mut rng)?;
    let out = alice.commit(
        provider,
        CommitOptions {
            proposals: vec![
                Proposal::Add(Add {
                    key_package: bob_c.key_package.clone(),
                }),
                Proposal::Add(Add {
                    key_package: carol_c.key_package.clone(),
                }),
            ],
            ..CommitOptions::default()
        },
        &mut CommitEnv {
            rng: &mut rng,
            psks: &NoPsks,
            credentials: &AcceptAllCredentials,
            now: None,
        },
    )?;
    alice.merge_pending()?;
    let Some(MlsMessage {
        body: MlsMessageBody::Welcome(welcome),
    }) = out.welcome
    else {
        panic!("an add produces a Welcome");
    };
    let mut joined = Vec::new();
    for c in [bob_c, carol_c] {
        let mut env = ProcessEnv {
            psks: &NoPsks,
            credentials: &AcceptAllCredentials,
            now: None,
        };
        let g = Group::join(
            provider,
            &welcome,
            &c.key_package,
            c.private,
            c.signer,
            None,
            &mut env,
            GroupConfig::default(),
        )?;
        println!("{} joined at epoch {}", c.name, g.epoch());
        joined.push(g);
    }
    let mut carol = joined.pop().expect("carol");
    let mut bob = joined.pop().expect("bob");
    assert_eq!(alice.epoch_authenticator(), bob.epoch_authenticator());
    assert_eq!(alice.epoch_authenticator(), carol.epoch_authenticator());

    // Everyone chats.
    let m = alice.protect(provider, b"Welcome, both of you!", b"", &mut rng)?;
    deliver(provider, "bob", &mut bob, &m)?;
    deliver(provider, "carol", &mut carol, &m)?;
    let m = carol.protect(provider, b"Glad to be here.", b"", &mut rng)?;
    deliver(provider, "alice", &mut alice, &m)?;
    deliver(provider, "bob", &mut bob, &m)?;

    // Bob refreshes his keys with an empty commit carrying a path.
    println!("bob updates his keys");
    let out = bob.commit(
        provider,
        CommitOptions {
            force_path: true,
            ..CommitOptions::default()
        },
        &mut CommitEnv {
            rng: &mut rng,
            psks: &NoPsks,
            credentials: &AcceptAllCredentials,
            now: None,
        },
    )?;
    bob.merge_pending()?;
    deliver(provider, "alice", &mut alice, &out.commit)?;
    deliver(provider, "carol", &mut carol, &out.commit)?;

    // Alice removes Carol.
    println!("alice removes carol");
    let carol_leaf = carol.own_leaf();
    let out = alice.commit(
        provider,
        CommitOptions {
            proposals: vec![Proposal::Remove(Remove {
                removed: carol_leaf,
            })],
            ..CommitOptions::default()
        },
        &mut CommitEnv {
            rng: &mut rng,
            psks: &NoPsks,
            credentials: &AcceptAllCredentials,
            now: None,
        },
    )?;
    alice.merge_pending()?;
    deliver(provider, "bob", &mut bob, &out.commit)?;
    deliver(provider, "carol", &mut carol, &out.commit)?;
    assert!(!carol.is_active());

    let m = bob.protect(provider, b"Just the two of us now.", b"", &mut rng)?;
    deliver(provider, "alice", &mut alice, &m)?;
    assert_eq!(alice.epoch_authenticator(), bob.epoch_authenticator());
    let key = alice.export(provider, b"example", b"", 16)?;
    println!(
        "alice and bob agree on epoch {} and exporter output ({} bytes)",
        alice.epoch(),
        key.len()
    );
    Ok(())
}
