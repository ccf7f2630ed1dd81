//! A [`Storage`] for `mls-core` in SQLite: a client's groups as
//! incremental records, the private parts of its KeyPackages, and its
//! external PSKs.
//!
//! # What is stored
//!
//! | table | key | value |
//! |---|---|---|
//! | `groups` | `group_id` | `epoch`: the epoch record ([`GroupChanges::epoch`]) |
//! | `tree_nodes` | `group_id`, `idx` (node index) | `value`: one non-blank ratchet-tree node |
//! | `secret_nodes` | `group_id`, `idx` (node index) | `value`: one secret-tree node not yet consumed |
//! | `ratchets` | `group_id`, `idx` (leaf index) | `value`: one sender's ratchets |
//! | `key_packages` | `reference` | `key_package`, `private` ([`mls_core::storage::encode_key_package_private`]) |
//! | `psks` | `id` | `secret` |
//! | `meta` | `name` | `key_check` (NULL, or the encryption key check) |
//! | `schema_version` | — | `version` (2) |
//!
//! Keys (group IDs, indices, KeyPackage references, PSK IDs) are stored in
//! the clear; values are sealed when the store is encrypted.
//!
//! # Transactions
//!
//! Every [`Storage::write`] call is one SQLite transaction (`BEGIN
//! IMMEDIATE` … `COMMIT`): all of its writes, or none. Any error (a failed
//! statement, a failed seal, a busy database at `COMMIT`) rolls back and
//! leaves the store exactly as it was before the call. A
//! [`Write::Group`] touches only the rows its [`GroupChanges`] names, in
//! the field order the core defines (the same semantics as
//! [`mls_core::storage::MemoryStorage`]). Reads run in one read
//! transaction, so a group is read as one committed state.
//!
//! # Deleted keys are gone
//!
//! RFC 9420 §9.2 wants consumed keys deleted. The connection runs with
//! `PRAGMA secure_delete = ON`: SQLite overwrites deleted cells, freed
//! space inside a page (a replaced or shrunk row) and freed pages with
//! zeros. The journal mode is `DELETE` (a rollback journal): the journal
//! holds the *old* page images only while a transaction runs and is
//! deleted at `COMMIT`, so after a call returns no file of the database
//! holds a deleted or replaced value. WAL was not chosen: a WAL keeps old
//! and new page images until a checkpoint, and even a
//! `wal_checkpoint(TRUNCATE)` after every transaction leaves the window
//! of a failed checkpoint (a reader holding a snapshot). `synchronous =
//! FULL` makes each committed call durable.
//!
//! A process killed in a transaction leaves its journal: a hot journal is
//! rolled back by the next connection that reads; a journal whose header
//! was not yet written is not hot, and [`SqliteStorage::open`] deletes it
//! under an exclusive lock (it holds page images of before the killed
//! transaction, which later writes may delete). The tests check the raw
//! bytes of the database and journal files: a consumed ratchet record, the
//! consumed secret-tree nodes, a replaced epoch record, values replaced by
//! values of the same, a smaller and a larger size, overflow values, and
//! values moved by page splits and merges are nowhere in the files.
//!
//! Below SQLite, blocks of the deleted journal and of overwritten pages
//! may survive in the file system or on flash, and SQLite's page cache
//! holds copies in memory while the connection is open: encrypt at rest
//! (below) so that copies on disk are ciphertext under a key the
//! application can destroy.
//!
//! # Encryption at rest
//!
//! With [`SqliteOptions::encryption_key`], every value column (epoch
//! records, tree nodes, secret nodes, ratchets, KeyPackages and their
//! private parts, PSKs) is sealed with XChaCha20-Poly1305 under the
//! application's 32-byte key:
//!
//! ```text
//! value = 0x01 || nonce (24 random bytes) || ciphertext || tag (16)
//! aad   = "mls-storage-sqlite" || 0x02 || column (1 byte)
//!         || len(key) (u32 BE) || key || idx (u32 BE, 0 if none)
//! ```
//!
//! where `column` names the table and column (1 epoch, 2 tree node, 3
//! secret node, 4 ratchet, 5 KeyPackage, 6 KeyPackage private part, 7
//! PSK, 8 key check) and `key` is the row's group ID, reference or PSK ID:
//! a value copied to another row or table fails to open
//! ([`Error::Decryption`]). The nonce is fresh for every value written;
//! 192-bit random nonces make a collision negligible. The `meta` row
//! `key_check` holds a sealed constant: opening with another key fails
//! with [`Error::WrongKey`], an encrypted database without a key with
//! [`Error::KeyRequired`], a plain database with a key with
//! [`Error::NotEncrypted`]. Decrypted values are returned in zeroizing
//! buffers ([`SecretVec`]); the key schedule is zeroized when the store
//! drops. The caller's copy of the key is the caller's to wipe.
//!
//! # Schema versions
//!
//! - **Version 1** ([`SCHEMA_V1`]): all group records in one table
//!   `group_records(group_id, kind, idx, value)` (kind 0 epoch, 1 tree
//!   node, 2 secret node, 3 ratchet), no encryption metadata.
//! - **Version 2** ([`SCHEMA_V2`], current): one table per record kind,
//!   and the `meta` table with the key check.
//!
//! [`SqliteStorage::open`] creates version 2 in an empty database and
//! migrates a version-1 database in one transaction (sealing every value
//! if a key is given). A newer version is refused
//! ([`Error::UnsupportedSchema`]), and so is a database with tables but no
//! `schema_version` ([`Error::NotAStore`]).
//!
//! # Cost
//!
//! `cargo run -p mls-storage-sqlite --release --example write_cost`
//! prints the bytes written per operation: at 16,384 members reading a
//! message writes one ratchet record (82 bytes of record; SQLite writes a
//! page and its journal image, about 17 KB with `synchronous = FULL`),
//! an update commit about 3 KB of records.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::fmt;
use std::path::Path;
use std::time::Duration;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use mls_core::crypto::SecretVec;
use mls_core::group::{GroupChanges, GroupRecords};
use mls_core::storage::{Storage, StoredKeyPackage, Write};
use rusqlite::{Connection, OptionalExtension, Params, params};
use zeroize::{Zeroize, Zeroizing};

/// The schema version this crate writes.
pub const SCHEMA_VERSION: i64 = 2;

/// The version-1 schema (kept to migrate from, and for tests).
pub const SCHEMA_V1: &str = "
CREATE TABLE schema_version (version INTEGER NOT NULL);
INSERT INTO schema_version (version) VALUES (1);
CREATE TABLE group_records (
    group_id BLOB NOT NULL,
    kind INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    value BLOB NOT NULL,
    PRIMARY KEY (group_id, kind, idx)
) WITHOUT ROWID;
CREATE TABLE key_packages (reference BLOB PRIMARY KEY, key_package BLOB NOT NULL, private BLOB NOT NULL);
CREATE TABLE psks (id BLOB PRIMARY KEY, secret BLOB NOT NULL);
";

/// The version-2 schema: the current one.
pub const SCHEMA_V2: &str = "
CREATE TABLE schema_version (version INTEGER NOT NULL);
INSERT INTO schema_version (version) VALUES (2);
CREATE TABLE meta (name TEXT PRIMARY KEY, value BLOB);
CREATE TABLE groups (group_id BLOB PRIMARY KEY, epoch BLOB NOT NULL);
CREATE TABLE tree_nodes (
    group_id BLOB NOT NULL, idx INTEGER NOT NULL, value BLOB NOT NULL,
    PRIMARY KEY (group_id, idx)
) WITHOUT ROWID;
CREATE TABLE secret_nodes (
    group_id BLOB NOT NULL, idx INTEGER NOT NULL, value BLOB NOT NULL,
    PRIMARY KEY (group_id, idx)
) WITHOUT ROWID;
CREATE TABLE ratchets (
    group_id BLOB NOT NULL, idx INTEGER NOT NULL, value BLOB NOT NULL,
    PRIMARY KEY (group_id, idx)
) WITHOUT ROWID;
CREATE TABLE key_packages (reference BLOB PRIMARY KEY, key_package BLOB NOT NULL, private BLOB NOT NULL);
CREATE TABLE psks (id BLOB PRIMARY KEY, secret BLOB NOT NULL);
";

/// Version 1 to version 2 (run in the migration's transaction).
const MIGRATE_V1_V2: &str = "
CREATE TABLE meta (name TEXT PRIMARY KEY, value BLOB);
CREATE TABLE groups (group_id BLOB PRIMARY KEY, epoch BLOB NOT NULL);
CREATE TABLE tree_nodes (
    group_id BLOB NOT NULL, idx INTEGER NOT NULL, value BLOB NOT NULL,
    PRIMARY KEY (group_id, idx)
) WITHOUT ROWID;
CREATE TABLE secret_nodes (
    group_id BLOB NOT NULL, idx INTEGER NOT NULL, value BLOB NOT NULL,
    PRIMARY KEY (group_id, idx)
) WITHOUT ROWID;
CREATE TABLE ratchets (
    group_id BLOB NOT NULL, idx INTEGER NOT NULL, value BLOB NOT NULL,
    PRIMARY KEY (group_id, idx)
) WITHOUT ROWID;
INSERT INTO groups (group_id, epoch)
    SELECT group_id, value FROM group_records WHERE kind = 0;
INSERT INTO tree_nodes (group_id, idx, value)
    SELECT group_id, idx, value FROM group_records WHERE kind = 1;
INSERT INTO secret_nodes (group_id, idx, value)
    SELECT group_id, idx, value FROM group_records WHERE kind = 2;
INSERT INTO ratchets (group_id, idx, value)
    SELECT group_id, idx, value FROM group_records WHERE kind = 3;
DROP TABLE group_records;
UPDATE schema_version SET version = 2;
";

/// The plaintext of the key check.
const KEY_CHECK: &[u8] = b"mls-storage-sqlite key check";

/// How to open a store.
#[derive(Clone)]
pub struct SqliteOptions {
    /// Seal every value with this key (XChaCha20-Poly1305). `None`: store
    /// values in the clear. A database keeps the choice it was created
    /// with.
    pub encryption_key: Option<[u8; 32]>,
    /// How long a write waits for another connection's lock.
    pub busy_timeout: Duration,
}

impl Default for SqliteOptions {
    fn default() -> Self {
        Self {
            encryption_key: None,
            busy_timeout: Duration::from_secs(5),
        }
    }
}

impl fmt::Debug for SqliteOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteOptions")
            .field("encrypted", &self.encryption_key.is_some())
            .field("busy_timeout", &self.busy_timeout)
            .finish()
    }
}

/// An error of [`SqliteStorage`].
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// SQLite failed.
    Sqlite(rusqlite::Error),
    /// A file operation failed.
    Io(std::io::Error),
    /// A pragma the store relies on did not take effect.
    Pragma {
        /// The pragma.
        pragma: &'static str,
        /// What SQLite reported.
        value: String,
    },
    /// The database has a schema version this crate does not know.
    UnsupportedSchema(i64),
    /// The database has tables but no schema version: not a store.
    NotAStore,
    /// The database is encrypted and no key was given.
    KeyRequired,
    /// A key was given but the database is not encrypted.
    NotEncrypted,
    /// The key does not open the database.
    WrongKey,
    /// A value did not open: tampered, or moved to another row.
    Decryption {
        /// The table it was read from.
        table: &'static str,
    },
    /// A stored value or index is malformed.
    Corrupt(&'static str),
    /// The operating system's random generator failed.
    Random,
    /// A failure injected by [`SqliteStorage::fail_after`] (tests).
    #[doc(hidden)]
    InjectedFailure,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sqlite(e) => write!(f, "SQLite error: {e}"),
            Self::Io(e) => write!(f, "I/O error: {e}"),
            Self::Pragma { pragma, value } => {
                write!(f, "PRAGMA {pragma} did not take effect (it is {value})")
            }
            Self::UnsupportedSchema(v) => write!(
                f,
                "the database has schema version {v}; this version of mls-storage-sqlite reads 1 and {SCHEMA_VERSION}"
            ),
            Self::NotAStore => write!(f, "the database is not an MLS store (no schema version)"),
            Self::KeyRequired => write!(
                f,
                "the database is encrypted: an encryption key is required"
            ),
            Self::NotEncrypted => write!(
                f,
                "an encryption key was given but the database is not encrypted"
            ),
            Self::WrongKey => write!(f, "the encryption key does not open this database"),
            Self::Decryption { table } => {
                write!(
                    f,
                    "a value in table {table} does not open (tampered or moved)"
                )
            }
            Self::Corrupt(what) => write!(f, "malformed store: {what}"),
            Self::Random => write!(f, "the operating system's random generator failed"),
            Self::InjectedFailure => write!(f, "injected failure (test hook)"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Sqlite(e) => Some(e),
            Self::Io(e) => Some(e),
            _ => None,
        }
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        Self::Sqlite(e)
    }
}

/// The column a value is sealed for (part of its associated data).
#[derive(Debug, Clone, Copy)]
enum Col {
    Epoch = 1,
    Tree = 2,
    SecretNode = 3,
    Ratchet = 4,
    KeyPackage = 5,
    KeyPackagePrivate = 6,
    Psk = 7,
    KeyCheck = 8,
}

impl Col {
    fn table(self) -> &'static str {
        match self {
            Col::Epoch => "groups",
            Col::Tree => "tree_nodes",
            Col::SecretNode => "secret_nodes",
            Col::Ratchet => "ratchets",
            Col::KeyPackage | Col::KeyPackagePrivate => "key_packages",
            Col::Psk => "psks",
            Col::KeyCheck => "meta",
        }
    }
}

/// The format byte of a sealed value.
const SEALED_V1: u8 = 1;
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;

fn aad(col: Col, key: &[u8], idx: u32) -> Result<Vec<u8>, Error> {
    let len = u32::try_from(key.len()).map_err(|_| Error::Corrupt("key longer than 2^32"))?;
    let mut a = Vec::with_capacity(28 + key.len());
    a.extend_from_slice(b"mls-storage-sqlite");
    a.push(2);
    a.push(col as u8);
    a.extend_from_slice(&len.to_be_bytes());
    a.extend_from_slice(key);
    a.extend_from_slice(&idx.to_be_bytes());
    Ok(a)
}

/// The store's value codec: the clear, or sealed under the key.
struct Codec(Option<XChaCha20Poly1305>);

impl Codec {
    /// The stored form of `value` in row (`key`, `idx`) of `col`: the
    /// value itself (no copy) in the clear, else its sealed form.
    fn seal<'v>(
        &self,
        col: Col,
        key: &[u8],
        idx: u32,
        value: &'v [u8],
    ) -> Result<Stored<'v>, Error> {
        let Some(c) = &self.0 else {
            return Ok(Stored::Plain(value));
        };
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).map_err(|_| Error::Random)?;
        let aad = aad(col, key, idx)?;
        let ct = c
            .encrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: value,
                    aad: &aad,
                },
            )
            .map_err(|_| Error::Corrupt("value too long to seal"))?;
        let mut out = Vec::with_capacity(1 + NONCE_LEN + ct.len());
        out.push(SEALED_V1);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        Ok(Stored::Sealed(out))
    }

    /// The value of stored form `stored` in row (`key`, `idx`) of `col`.
    fn open(&self, col: Col, key: &[u8], idx: u32, stored: Vec<u8>) -> Result<SecretVec, Error> {
        let stored = Zeroizing::new(stored);
        let Some(c) = &self.0 else {
            return Ok(SecretVec::from_slice(&stored));
        };
        let bad = || Error::Decryption { table: col.table() };
        if stored.len() < 1 + NONCE_LEN + TAG_LEN || stored[0] != SEALED_V1 {
            return Err(bad());
        }
        let nonce: [u8; NONCE_LEN] = stored[1..1 + NONCE_LEN].try_into().map_err(|_| bad())?;
        let aad = aad(col, key, idx)?;
        let pt = c
            .decrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: &stored[1 + NONCE_LEN..],
                    aad: &aad,
                },
            )
            .map_err(|_| bad())?;
        Ok(SecretVec::new(pt))
    }
}

/// A value as it is bound to a statement.
enum Stored<'v> {
    /// In the clear: the caller's bytes (SQLite copies them).
    Plain(&'v [u8]),
    /// Sealed.
    Sealed(Vec<u8>),
}

impl Stored<'_> {
    fn as_slice(&self) -> &[u8] {
        match self {
            Stored::Plain(v) => v,
            Stored::Sealed(v) => v,
        }
    }
}

/// The statements of one per-group record table.
struct RecordTable {
    col: Col,
    upsert: &'static str,
    delete_one: &'static str,
    delete_range: &'static str,
    delete_group: &'static str,
    select: &'static str,
}

macro_rules! record_table {
    ($name:literal, $col:expr) => {
        RecordTable {
            col: $col,
            upsert: concat!(
                "INSERT INTO ",
                $name,
                " (group_id, idx, value) VALUES (?1, ?2, ?3) ",
                "ON CONFLICT (group_id, idx) DO UPDATE SET value = excluded.value"
            ),
            delete_one: concat!("DELETE FROM ", $name, " WHERE group_id = ?1 AND idx = ?2"),
            delete_range: concat!(
                "DELETE FROM ",
                $name,
                " WHERE group_id = ?1 AND idx BETWEEN ?2 AND ?3"
            ),
            delete_group: concat!("DELETE FROM ", $name, " WHERE group_id = ?1"),
            select: concat!(
                "SELECT idx, value FROM ",
                $name,
                " WHERE group_id = ?1 ORDER BY idx"
            ),
        }
    };
}

const TREE: RecordTable = record_table!("tree_nodes", Col::Tree);
const SECRET_NODES: RecordTable = record_table!("secret_nodes", Col::SecretNode);
const RATCHETS: RecordTable = record_table!("ratchets", Col::Ratchet);

fn index(i: i64) -> Result<u32, Error> {
    u32::try_from(i).map_err(|_| Error::Corrupt("record index out of range"))
}

/// A [`Storage`] in an SQLite database (see the crate docs).
pub struct SqliteStorage {
    conn: Connection,
    codec: Codec,
    /// Test hook: fail the n-th statement of the next write.
    fail_after: Option<usize>,
}

impl fmt::Debug for SqliteStorage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteStorage")
            .field("path", &self.conn.path())
            .field("encrypted", &self.codec.0.is_some())
            .finish()
    }
}

impl SqliteStorage {
    /// Opens (or creates) the store at `path`: sets the pragmas, creates
    /// or migrates the schema, and checks the key.
    pub fn open(path: impl AsRef<Path>, options: SqliteOptions) -> Result<Self, Error> {
        Self::init(Connection::open(path)?, options)
    }

    /// A store in memory (tests).
    pub fn open_in_memory(options: SqliteOptions) -> Result<Self, Error> {
        Self::init(Connection::open_in_memory()?, options)
    }

    fn init(conn: Connection, options: SqliteOptions) -> Result<Self, Error> {
        conn.busy_timeout(options.busy_timeout)?;
        conn.pragma_update(None, "secure_delete", "ON")?;
        let sd: i64 = conn.pragma_query_value(None, "secure_delete", |r| r.get(0))?;
        if sd != 1 {
            return Err(Error::Pragma {
                pragma: "secure_delete",
                value: sd.to_string(),
            });
        }
        let mode: String = conn.query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("delete") && !mode.eq_ignore_ascii_case("memory") {
            return Err(Error::Pragma {
                pragma: "journal_mode",
                value: mode,
            });
        }
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.set_prepared_statement_cache_capacity(32);
        let mut options = options;
        let cipher = match options.encryption_key.as_ref() {
            Some(k) => Some(
                XChaCha20Poly1305::new_from_slice(k).map_err(|_| Error::Corrupt("key length"))?,
            ),
            None => None,
        };
        // Our copy of the key; the cipher's key schedule zeroizes on drop.
        options.encryption_key.zeroize();
        let codec = Codec(cipher);
        let mut s = Self {
            conn,
            codec,
            fail_after: None,
        };
        s.transaction(|s| s.migrate())?;
        s.remove_stale_journal()?;
        Ok(s)
    }

    /// Deletes a rollback journal that a writer killed before it wrote the
    /// journal header left behind. SQLite does not roll such a journal
    /// back (it is not hot) and leaves it until the next write
    /// transaction; it holds page images from before that transaction,
    /// which later writes may delete. Under an exclusive lock no other
    /// connection is writing (and taking the lock rolled back any hot
    /// journal), so a journal still there is stale.
    fn remove_stale_journal(&mut self) -> Result<(), Error> {
        let journal = match self.conn.path() {
            Some(p) if !p.is_empty() => format!("{p}-journal"),
            _ => return Ok(()),
        };
        if !Path::new(&journal).exists() {
            return Ok(());
        }
        self.conn.execute_batch("BEGIN EXCLUSIVE")?;
        let r = match std::fs::remove_file(&journal) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(Error::Io(e)),
        };
        self.conn.execute_batch("COMMIT")?;
        r
    }

    /// The schema version of the database.
    pub fn schema_version(&self) -> Result<i64, Error> {
        Ok(self
            .conn
            .query_row("SELECT version FROM schema_version", [], |r| r.get(0))?)
    }

    /// Test hook: the `n`-th SQL statement (from 0, `BEGIN` and `COMMIT`
    /// included) of the next [`Storage::write`] fails with
    /// [`Error::InjectedFailure`].
    #[doc(hidden)]
    pub fn fail_after(&mut self, n: usize) {
        self.fail_after = Some(n);
    }

    /// Runs `f` in a `BEGIN IMMEDIATE` transaction: commits if it
    /// succeeds, rolls back otherwise.
    fn transaction<T>(
        &mut self,
        f: impl FnOnce(&mut Self) -> Result<T, Error>,
    ) -> Result<T, Error> {
        self.conn.execute_batch("BEGIN IMMEDIATE")?;
        let r = f(self).and_then(|t| {
            self.conn.execute_batch("COMMIT")?;
            Ok(t)
        });
        if r.is_err() && !self.conn.is_autocommit() {
            // The error to report is the first one.
            let _ = self.conn.execute_batch("ROLLBACK");
        }
        r
    }

    fn migrate(&mut self) -> Result<(), Error> {
        let has_version: bool = self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version')",
            [],
            |r| r.get(0),
        )?;
        let version = if has_version {
            self.schema_version()?
        } else {
            let tables: i64 = self.conn.query_row(
                "SELECT COUNT(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'",
                [],
                |r| r.get(0),
            )?;
            if tables > 0 {
                return Err(Error::NotAStore);
            }
            0
        };
        match version {
            0 => {
                self.conn.execute_batch(SCHEMA_V2)?;
                self.insert_key_check()?;
            }
            1 => {
                self.conn.execute_batch(MIGRATE_V1_V2)?;
                if self.codec.0.is_some() {
                    self.seal_all()?;
                }
                self.insert_key_check()?;
            }
            SCHEMA_VERSION => {}
            v => return Err(Error::UnsupportedSchema(v)),
        }
        self.check_key()
    }

    fn insert_key_check(&self) -> Result<(), Error> {
        let check = match self.codec.0 {
            Some(_) => Some(
                self.codec
                    .seal(Col::KeyCheck, b"key_check", 0, KEY_CHECK)?
                    .as_slice()
                    .to_vec(),
            ),
            None => None,
        };
        self.conn.execute(
            "INSERT INTO meta (name, value) VALUES ('key_check', ?1)",
            params![check],
        )?;
        Ok(())
    }

    fn check_key(&self) -> Result<(), Error> {
        let check: Option<Vec<u8>> = self
            .conn
            .query_row("SELECT value FROM meta WHERE name = 'key_check'", [], |r| {
                r.get(0)
            })
            .optional()?
            .ok_or(Error::Corrupt("no key_check row"))?;
        match (check, self.codec.0.is_some()) {
            (None, false) => Ok(()),
            (None, true) => Err(Error::NotEncrypted),
            (Some(_), false) => Err(Error::KeyRequired),
            (Some(c), true) => match self.codec.open(Col::KeyCheck, b"key_check", 0, c) {
                Ok(v) if v.as_bytes() == KEY_CHECK => Ok(()),
                _ => Err(Error::WrongKey),
            },
        }
    }

    /// Seals every value of a database migrated from the clear.
    fn seal_all(&self) -> Result<(), Error> {
        // (select, update, column) with rows of (key, idx, value).
        let jobs: [(&str, &str, Col); 7] = [
            (
                "SELECT group_id, 0, epoch FROM groups",
                "UPDATE groups SET epoch = ?3 WHERE group_id = ?1",
                Col::Epoch,
            ),
            (
                "SELECT group_id, idx, value FROM tree_nodes",
                "UPDATE tree_nodes SET value = ?3 WHERE group_id = ?1 AND idx = ?2",
                Col::Tree,
            ),
            (
                "SELECT group_id, idx, value FROM secret_nodes",
                "UPDATE secret_nodes SET value = ?3 WHERE group_id = ?1 AND idx = ?2",
                Col::SecretNode,
            ),
            (
                "SELECT group_id, idx, value FROM ratchets",
                "UPDATE ratchets SET value = ?3 WHERE group_id = ?1 AND idx = ?2",
                Col::Ratchet,
            ),
            (
                "SELECT reference, 0, key_package FROM key_packages",
                "UPDATE key_packages SET key_package = ?3 WHERE reference = ?1 AND ?2 = 0",
                Col::KeyPackage,
            ),
            (
                "SELECT reference, 0, private FROM key_packages",
                "UPDATE key_packages SET private = ?3 WHERE reference = ?1 AND ?2 = 0",
                Col::KeyPackagePrivate,
            ),
            (
                "SELECT id, 0, secret FROM psks",
                "UPDATE psks SET secret = ?3 WHERE id = ?1 AND ?2 = 0",
                Col::Psk,
            ),
        ];
        for (select, update, col) in jobs {
            let mut rows: Vec<(Vec<u8>, i64, Zeroizing<Vec<u8>>)> = Vec::new();
            {
                let mut st = self.conn.prepare(select)?;
                let mut q = st.query([])?;
                while let Some(r) = q.next()? {
                    rows.push((r.get(0)?, r.get(1)?, Zeroizing::new(r.get(2)?)));
                }
            }
            for (key, idx, value) in rows {
                let sealed = self.codec.seal(col, &key, index(idx)?, &value)?;
                self.conn
                    .execute(update, params![key, idx, sealed.as_slice()])?;
            }
        }
        Ok(())
    }

    /// Reads a group's records (in the caller's read transaction).
    fn read_group(&self, group_id: &[u8]) -> Result<Option<GroupRecords>, Error> {
        let epoch: Option<Vec<u8>> = self
            .conn
            .prepare_cached("SELECT epoch FROM groups WHERE group_id = ?1")?
            .query_row([group_id], |r| r.get(0))
            .optional()?;
        let Some(epoch) = epoch else {
            return Ok(None);
        };
        let epoch = self.codec.open(Col::Epoch, group_id, 0, epoch)?;
        let tree = self
            .read_records(&TREE, group_id)?
            .into_iter()
            .map(|(x, v)| (x, v.as_bytes().to_vec()))
            .collect();
        Ok(Some(GroupRecords {
            epoch,
            tree,
            secret_nodes: self.read_records(&SECRET_NODES, group_id)?,
            ratchets: self.read_records(&RATCHETS, group_id)?,
        }))
    }

    fn read_records(
        &self,
        t: &RecordTable,
        group_id: &[u8],
    ) -> Result<Vec<(u32, SecretVec)>, Error> {
        let mut st = self.conn.prepare_cached(t.select)?;
        let mut q = st.query([group_id])?;
        let mut out = Vec::new();
        while let Some(r) = q.next()? {
            let idx = index(r.get(0)?)?;
            let v = self.codec.open(t.col, group_id, idx, r.get(1)?)?;
            out.push((idx, v));
        }
        Ok(out)
    }

    /// Runs `f` in a read transaction (one consistent state).
    fn read<T>(&self, f: impl FnOnce(&Self) -> Result<T, Error>) -> Result<T, Error> {
        let tx = self.conn.unchecked_transaction()?;
        let r = f(self);
        tx.finish()?;
        r
    }
}

/// The statements of one write call, counted for the test hook.
struct Writer<'a> {
    conn: &'a Connection,
    codec: &'a Codec,
    count: usize,
    fail_at: Option<usize>,
}

impl Writer<'_> {
    /// Counts a statement; fails it if the hook says so.
    fn step(&mut self) -> Result<(), Error> {
        let n = self.count;
        self.count += 1;
        if self.fail_at == Some(n) {
            return Err(Error::InjectedFailure);
        }
        Ok(())
    }

    fn exec(&mut self, sql: &str, p: impl Params) -> Result<(), Error> {
        self.step()?;
        self.conn.prepare_cached(sql)?.execute(p)?;
        Ok(())
    }

    fn batch(&mut self, sql: &str) -> Result<(), Error> {
        self.step()?;
        self.conn.execute_batch(sql)?;
        Ok(())
    }

    fn apply(&mut self, w: &Write<'_>) -> Result<(), Error> {
        match w {
            Write::Group(c) => self.group(c),
            Write::DeleteGroup(g) => self.delete_group(g),
            Write::KeyPackage {
                reference,
                key_package,
                private,
            } => {
                let kp = self
                    .codec
                    .seal(Col::KeyPackage, reference, 0, key_package)?;
                let p = self
                    .codec
                    .seal(Col::KeyPackagePrivate, reference, 0, private)?;
                self.exec(
                    "INSERT INTO key_packages (reference, key_package, private) VALUES (?1, ?2, ?3) \
                     ON CONFLICT (reference) DO UPDATE SET key_package = excluded.key_package, private = excluded.private",
                    params![reference, kp.as_slice(), p.as_slice()],
                )
            }
            Write::DeleteKeyPackage(r) => {
                self.exec("DELETE FROM key_packages WHERE reference = ?1", [r])
            }
            Write::Psk { id, secret } => {
                let s = self.codec.seal(Col::Psk, id, 0, secret)?;
                self.exec(
                    "INSERT INTO psks (id, secret) VALUES (?1, ?2) \
                     ON CONFLICT (id) DO UPDATE SET secret = excluded.secret",
                    params![id, s.as_slice()],
                )
            }
            Write::DeletePsk(id) => self.exec("DELETE FROM psks WHERE id = ?1", [id]),
        }
    }

    fn delete_group(&mut self, g: &[u8]) -> Result<(), Error> {
        self.exec("DELETE FROM groups WHERE group_id = ?1", [g])?;
        for t in [&TREE, &SECRET_NODES, &RATCHETS] {
            self.exec(t.delete_group, [g])?;
        }
        Ok(())
    }

    fn records<'v>(
        &mut self,
        t: &RecordTable,
        g: &[u8],
        records: impl Iterator<Item = (u32, Option<&'v [u8]>)>,
    ) -> Result<(), Error> {
        // Deletes of consecutive indices, in a row of the list, run as one
        // range delete (deletes of distinct rows commute): a commit that
        // grows the tree names every new, blank node.
        let mut run: Option<(u32, u32)> = None;
        for (x, v) in records {
            match (v, run) {
                (None, Some((a, b))) if b.checked_add(1) == Some(x) => run = Some((a, x)),
                (None, _) => {
                    self.delete_range(t, g, run.take())?;
                    run = Some((x, x));
                }
                (Some(v), _) => {
                    self.delete_range(t, g, run.take())?;
                    let v = self.codec.seal(t.col, g, x, v)?;
                    self.exec(t.upsert, params![g, x, v.as_slice()])?;
                }
            }
        }
        self.delete_range(t, g, run)
    }

    fn delete_range(
        &mut self,
        t: &RecordTable,
        g: &[u8],
        range: Option<(u32, u32)>,
    ) -> Result<(), Error> {
        match range {
            None => Ok(()),
            Some((a, b)) if a == b => self.exec(t.delete_one, params![g, a]),
            Some((a, b)) => self.exec(t.delete_range, params![g, a, b]),
        }
    }

    /// Applies a group's changes in field order (as `MemoryStorage`).
    fn group(&mut self, c: &GroupChanges) -> Result<(), Error> {
        let g = c.group_id.as_slice();
        if c.replace_all {
            self.delete_group(g)?;
        }
        match &c.epoch {
            Some(e) => {
                let v = self.codec.seal(Col::Epoch, g, 0, e.as_bytes())?;
                self.exec(
                    "INSERT INTO groups (group_id, epoch) VALUES (?1, ?2) \
                     ON CONFLICT (group_id) DO UPDATE SET epoch = excluded.epoch",
                    params![g, v.as_slice()],
                )?;
            }
            None => {
                // A group the store does not have starts with an empty
                // epoch record (as `MemoryStorage`).
                let v = self.codec.seal(Col::Epoch, g, 0, &[])?;
                self.exec(
                    "INSERT OR IGNORE INTO groups (group_id, epoch) VALUES (?1, ?2)",
                    params![g, v.as_slice()],
                )?;
            }
        }
        if let Some(w) = c.tree_width {
            self.exec(
                "DELETE FROM tree_nodes WHERE group_id = ?1 AND idx >= ?2",
                params![g, w],
            )?;
        }
        self.records(&TREE, g, c.tree.iter().map(|(x, v)| (*x, v.as_deref())))?;
        if c.clear_secret_tree {
            self.exec(SECRET_NODES.delete_group, [g])?;
            self.exec(RATCHETS.delete_group, [g])?;
        }
        self.records(
            &SECRET_NODES,
            g,
            c.secret_nodes
                .iter()
                .map(|(x, v)| (*x, v.as_ref().map(SecretVec::as_bytes))),
        )?;
        self.records(
            &RATCHETS,
            g,
            c.ratchets
                .iter()
                .map(|(x, v)| (*x, v.as_ref().map(SecretVec::as_bytes))),
        )
    }
}

impl Storage for SqliteStorage {
    type Error = Error;

    fn write(&mut self, writes: &[Write<'_>]) -> Result<(), Error> {
        let mut w = Writer {
            conn: &self.conn,
            codec: &self.codec,
            count: 0,
            fail_at: self.fail_after.take(),
        };
        w.batch("BEGIN IMMEDIATE")?;
        let r = writes
            .iter()
            .try_for_each(|x| w.apply(x))
            .and_then(|()| w.batch("COMMIT"));
        if r.is_err() && !self.conn.is_autocommit() {
            // The error to report is the first one.
            let _ = self.conn.execute_batch("ROLLBACK");
        }
        r
    }

    fn group(&self, group_id: &[u8]) -> Result<Option<GroupRecords>, Error> {
        self.read(|s| s.read_group(group_id))
    }

    fn group_ids(&self) -> Result<Vec<Vec<u8>>, Error> {
        let mut st = self
            .conn
            .prepare_cached("SELECT group_id FROM groups ORDER BY group_id")?;
        let ids = st
            .query_map([], |r| r.get(0))?
            .collect::<Result<Vec<Vec<u8>>, _>>()?;
        Ok(ids)
    }

    fn key_package(&self, reference: &[u8]) -> Result<Option<StoredKeyPackage>, Error> {
        let row: Option<(Vec<u8>, Vec<u8>)> = self
            .conn
            .prepare_cached("SELECT key_package, private FROM key_packages WHERE reference = ?1")?
            .query_row([reference], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let Some((kp, private)) = row else {
            return Ok(None);
        };
        let private = self
            .codec
            .open(Col::KeyPackagePrivate, reference, 0, private)?;
        let kp = self.codec.open(Col::KeyPackage, reference, 0, kp)?;
        Ok(Some(StoredKeyPackage {
            key_package: kp.as_bytes().to_vec(),
            private,
        }))
    }

    fn psk(&self, id: &[u8]) -> Result<Option<SecretVec>, Error> {
        let s: Option<Vec<u8>> = self
            .conn
            .prepare_cached("SELECT secret FROM psks WHERE id = ?1")?
            .query_row([id], |r| r.get(0))
            .optional()?;
        s.map(|s| self.codec.open(Col::Psk, id, 0, s)).transpose()
    }
}

#[cfg(test)]
mod tests;
