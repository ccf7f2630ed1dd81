//! transcript-hashes.json: confirmed and interim transcript hashes and the
//! confirmation tag (RFC 9420 §8.2).

use mls_core::codec::decode;
use mls_core::crypto::{CipherSuiteProvider, CryptoProvider, Secret};
use mls_core::messages::{AuthenticatedContent, ContentType};
use mls_core::transcript::{
    confirmed_transcript_hash, confirmed_transcript_input, interim_transcript_hash,
    verify_confirmation_tag,
};
use serde_json::Value;

use super::with_suite;
use crate::{Verdict, expect_hex, hex_field};

pub fn check(provider: &dyn CryptoProvider, entry: &Value) -> Verdict {
    with_suite(provider, entry, |cs| run(cs, entry))
}

fn run(cs: &dyn CipherSuiteProvider, entry: &Value) -> Result<(), String> {
    let ac: AuthenticatedContent =
        decode(&hex_field(entry, "authenticated_content")?).map_err(|e| format!("decode: {e}"))?;
    if ac.content.content_type() != ContentType::Commit {
        return Err("authenticated_content is not a commit".into());
    }
    let tag = ac
        .auth
        .confirmation_tag
        .as_ref()
        .ok_or("no confirmation tag")?;
    let input = confirmed_transcript_input(&ac).map_err(|e| e.to_string())?;
    let confirmed = confirmed_transcript_hash(
        cs,
        &hex_field(entry, "interim_transcript_hash_before")?,
        &input,
    );
    expect_hex(
        entry,
        "confirmed_transcript_hash_after",
        confirmed.as_slice(),
    )?;
    let key =
        Secret::from_slice(&hex_field(entry, "confirmation_key")?).map_err(|e| e.to_string())?;
    verify_confirmation_tag(cs, &key, confirmed.as_slice(), tag.as_slice())
        .map_err(|e| format!("confirmation tag: {e}"))?;
    let interim = interim_transcript_hash(cs, confirmed.as_slice(), tag.as_slice())
        .map_err(|e| e.to_string())?;
    expect_hex(entry, "interim_transcript_hash_after", interim.as_slice())?;
    // A tag over anything else must be rejected.
    if verify_confirmation_tag(cs, &key, interim.as_slice(), tag.as_slice()).is_ok() {
        return Err("confirmation tag accepted for the wrong transcript".into());
    }
    Ok(())
}
