//! The spreadsheets checked on the import page, waiting for their import or importing.
//! The file's lines wait in memory between the check and the import — one import per
//! user, forgotten an hour after the last look — so that nobody uploads twice and no
//! copy of the spreadsheet is left on disk.

use parcours_core::holders::{ImportReport, TableLine};
use std::collections::HashMap;
use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a checked file waits for its import, counted from the last look.
const KEPT: Duration = Duration::from_secs(3600);

/// The imports under way, by their link's token.
#[derive(Clone, Default)]
pub struct Imports(Arc<Mutex<HashMap<String, Job>>>);

pub struct Job {
    pub user_id: i64,
    pub file_name: String,
    pub lines: Arc<Vec<TableLine>>,
    pub seen: Instant,
    pub state: JobState,
}

#[derive(Clone)]
pub enum JobState {
    /// Checked (a dry run): waiting to be imported.
    Checked(Arc<ImportReport>),
    /// Importing: how many lines were gone through, out of how many.
    Running {
        done: Arc<AtomicUsize>,
        total: usize,
    },
    Done(Arc<ImportReport>),
    /// The import stopped on something other than the file (the database): in French.
    Failed(String),
}

impl Imports {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Job>> {
        // A panic while holding the lock leaves a map that is still whole.
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Keeps `job` under a new token, in place of the user's previous import unless it
    /// is running; forgets what nobody looked at for an hour.
    pub fn keep(&self, job: Job) -> String {
        let token = parcours_core::sessions::new_token();
        let mut jobs = self.lock();
        jobs.retain(|_, j| {
            let running = matches!(j.state, JobState::Running { .. });
            running || (j.user_id != job.user_id && j.seen.elapsed() < KEPT)
        });
        jobs.insert(token.clone(), job);
        token
    }

    /// The user's job under `token` (another user's is not found), its look dated now.
    pub fn look(
        &self,
        user_id: i64,
        token: &str,
    ) -> Option<(String, Arc<Vec<TableLine>>, JobState)> {
        let mut jobs = self.lock();
        let job = jobs
            .get_mut(token)
            .filter(|j| j.user_id == user_id && j.seen.elapsed() < KEPT)?;
        job.seen = Instant::now();
        Some((job.file_name.clone(), job.lines.clone(), job.state.clone()))
    }

    pub fn set(&self, token: &str, state: JobState) {
        if let Some(job) = self.lock().get_mut(token) {
            job.state = state;
            job.seen = Instant::now();
        }
    }
}
