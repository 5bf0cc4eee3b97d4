//! Argon2id password hashing (m = 19 456 KiB, t = 2, p = 1), off the async threads.
//!
//! Checking a password at login runs on a fixed set of hashing workers, each owning its
//! 19 MiB of Argon2 memory for the life of the process: a storm of logins waits its
//! turn instead of allocating 19 MiB afresh on whichever blocking thread runs it, which
//! left a small server holding most of its memory after the storm.

use argon2::password_hash::phc::{Output, PasswordHash};
use argon2::{Algorithm, Argon2, Block, Params, PasswordHasher, PasswordVerifier, Version};
use std::sync::{Arc, Mutex, OnceLock};
use tokio::sync::{mpsc, oneshot};

fn hasher() -> Argon2<'static> {
    let params = Params::new(19_456, 2, 1, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password into a PHC string. CPU-bound: call from a blocking thread, or use
/// [`hash_blocking`]. New passwords are rare (an operator's command, a reset): they do
/// not go through the workers.
pub fn hash(password: &str) -> anyhow::Result<String> {
    hasher()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|e| anyhow::anyhow!("argon2 hash: {e}"))
}

/// Whether `password` matches `phc`. An unreadable stored hash never matches.
pub fn verify(password: &str, phc: &str) -> bool {
    hasher().verify_password(password.as_bytes(), phc).is_ok()
}

/// A hash of a random password, verified against when the account does not exist so
/// that the answer and its timing do not reveal which e-mails have accounts.
pub fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let mut bytes = [0u8; 24];
        rand::Rng::fill_bytes(&mut rand::rng(), &mut bytes);
        let random: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        hash(&random).expect("argon2 hashes a random password")
    })
}

pub async fn hash_blocking(password: String) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || hash(&password)).await?
}

/// The most Argon2 memory a stored hash may ask of a worker (64 MiB): a hash written by
/// something else with a larger cost never matches rather than exhausting memory.
const MAX_BLOCKS: usize = 64 * 1024;

/// Checks `password` against `phc` in `memory`, grown to the hash's cost once and
/// reused. Same answer as [`verify`].
fn verify_in(password: &[u8], phc: &str, memory: &mut Vec<Block>) -> bool {
    let Ok(hash) = PasswordHash::new(phc) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (&hash.salt, &hash.hash) else {
        return false;
    };
    let Ok(algorithm) = Algorithm::try_from(hash.algorithm.as_str()) else {
        return false;
    };
    let version = match hash.version.map(Version::try_from) {
        None => Version::default(),
        Some(Ok(version)) => version,
        Some(Err(_)) => return false,
    };
    let Ok(params) = Params::try_from(&hash) else {
        return false;
    };
    let blocks = params.block_count();
    if blocks > MAX_BLOCKS {
        return false;
    }
    if memory.len() < blocks {
        memory.resize(blocks, Block::default());
    }
    let mut out = vec![0u8; expected.len()];
    let argon = Argon2::new(algorithm, version, params);
    if argon
        .hash_password_into_with_memory(password, salt, &mut out, &mut memory[..blocks])
        .is_err()
    {
        return false;
    }
    // Output compares in constant time.
    Output::new(&out).is_ok_and(|computed| computed == *expected)
}

struct Job {
    password: String,
    phc: String,
    answer: oneshot::Sender<bool>,
}

/// The hashing workers: `count` threads, each with its own Argon2 memory. Cheap to
/// clone; the workers stop when the last handle is dropped.
#[derive(Clone)]
pub struct Hashers {
    jobs: mpsc::Sender<Job>,
}

impl Hashers {
    pub fn start(count: usize) -> Self {
        let (jobs, queue) = mpsc::channel::<Job>(1024);
        let queue = Arc::new(Mutex::new(queue));
        for index in 0..count.max(1) {
            let queue = Arc::clone(&queue);
            let spawned = std::thread::Builder::new()
                .name(format!("parcours-hash-{index}"))
                .spawn(move || {
                    let mut memory = Vec::new();
                    loop {
                        // One worker waits on the queue at a time; the others on the lock.
                        let job = queue.lock().map(|mut q| q.blocking_recv());
                        let Ok(Some(job)) = job else { return };
                        let matches = verify_in(job.password.as_bytes(), &job.phc, &mut memory);
                        let _ = job.answer.send(matches);
                    }
                });
            if let Err(error) = spawned {
                tracing::error!(error = %error, "hashing worker not started");
            }
        }
        Self { jobs }
    }

    /// Whether `password` matches `phc`, checked by a worker when one is free.
    pub async fn verify(&self, password: String, phc: String) -> anyhow::Result<bool> {
        let (answer, answered) = oneshot::channel();
        self.jobs
            .send(Job {
                password,
                phc,
                answer,
            })
            .await
            .map_err(|_| anyhow::anyhow!("hashing workers stopped"))?;
        Ok(answered.await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_record_their_parameters() {
        let phc = hash("une phrase de passe").unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(verify("une phrase de passe", &phc));
        assert!(!verify("une phrase de passe!", &phc));
        assert!(!verify("x", "not a hash"));
        assert!(!verify("x", dummy_hash()));
    }

    #[test]
    fn reused_memory_gives_the_same_answers() {
        let phc = hash("une phrase de passe").unwrap();
        let mut memory = Vec::new();
        for _ in 0..2 {
            assert!(verify_in(b"une phrase de passe", &phc, &mut memory));
            assert!(!verify_in(b"une autre phrase", &phc, &mut memory));
        }
        assert_eq!(memory.len(), 19_456, "grown once to the hash's cost");
        assert!(!verify_in(b"x", "not a hash", &mut memory));
        let greedy =
            "$argon2id$v=19$m=4194304,t=1,p=1$c29tZXNhbHQ$cmVzdWx0cmVzdWx0cmVzdWx0cmVzdWx0";
        assert!(
            !verify_in(b"x", greedy, &mut memory),
            "a huge cost is refused"
        );
    }

    #[tokio::test]
    async fn workers_answer() {
        let phc = hash("une phrase de passe").unwrap();
        let workers = Hashers::start(2);
        let (yes, no) = tokio::join!(
            workers.verify("une phrase de passe".into(), phc.clone()),
            workers.verify("non".into(), phc)
        );
        assert!(yes.unwrap() && !no.unwrap());
    }
}
