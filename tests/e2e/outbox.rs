//! E-mail through outages, refusals and shutdowns (issue #16): only real tries count,
//! an outage gives nothing up, a refused message is given up after its attempts and is
//! shown to the operator, no log line or stored error quotes an address, and a worker
//! told to stop finishes the message in hand and gives back the rest of its batch.

use crate::binary::parcours;
use crate::support::{TestDb, t0};
use chrono::Duration;
use parcours_core::outbox::{Delivery, MAX_ATTEMPTS, OUTAGE_RETRY_MAX, deliver_due};
use parcours_core::{Clock, Core, Db};
use parcours_mail::testing::{Behaviour, SmtpSink};
use parcours_mail::{MailSettings, Mailer};
use parcours_persistence::outbox;

/// A use-case layer on its own database, sending to `smtp_url`.
fn core(db: &Db, smtp_url: String) -> Core {
    let mailer = Mailer::new(&MailSettings {
        smtp_url: smtp_url.into(),
        from: "Parcours <ne-pas-repondre@parcours.test>".into(),
        timeout: std::time::Duration::from_secs(5),
    })
    .unwrap();
    Core::new(db.clone(), parcours_core::Settings::default(), mailer)
}

/// A loopback port where nothing listens (yet).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn enqueue(db: &Db, recipient: &str, n: usize, now: chrono::DateTime<chrono::Utc>) {
    outbox::enqueue(
        db.conn(),
        outbox::NewMessage {
            kind: "test".into(),
            recipient: recipient.into(),
            subject: format!("Message {n}"),
            text: "Bonjour".into(),
            html: "<p>Bonjour</p>".into(),
            message_id: format!("<outbox-{n}@parcours.test>"),
        },
        now,
    )
    .await
    .unwrap();
}

fn message_ids(received: &[parcours_mail::testing::ReceivedMail]) -> Vec<String> {
    let mut ids: Vec<String> = received
        .iter()
        .map(|m| {
            m.data
                .lines()
                .find(|l| l.starts_with("Message-ID:"))
                .unwrap()
                .to_owned()
        })
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

/// The incident of the issue: SMTP down for twenty minutes (ten refusing connections,
/// ten answering 421) with 200 messages queued and the worker polling every 5 s. No
/// message is given up or loses an attempt; once SMTP is back, all leave within the
/// outage retry cap, each tried for real once.
#[tokio::test]
async fn a_twenty_minute_outage_gives_nothing_up_and_uses_no_attempt() {
    let test_db = TestDb::new().await;
    let db = test_db.migrated().await;
    let clock = Clock::manual(t0());
    let port = free_port();
    let core = core(&db, format!("smtp://127.0.0.1:{port}"));
    for n in 0..200 {
        enqueue(&db, &format!("dest{n}@exemple.test"), n, clock.now()).await;
    }
    let poll = Duration::seconds(5);
    let run_until = |end: chrono::DateTime<chrono::Utc>| {
        let (core, clock) = (core.clone(), clock.clone());
        async move {
            let mut total = Delivery::default();
            while clock.now() < end {
                let run = deliver_due(&core, &clock).await.unwrap();
                total.sent += run.sent;
                total.retried += run.retried;
                total.given_up += run.given_up;
                clock.advance(poll);
            }
            total
        }
    };

    // Ten minutes with nothing listening…
    let down = run_until(t0() + Duration::minutes(10)).await;
    assert_eq!((down.sent, down.given_up), (0, 0));
    // …then ten minutes of a server that answers "421 service not available".
    let sink = SmtpSink::start_on(port).await;
    sink.set_behaviour(Behaviour::Unavailable);
    let unavailable = run_until(t0() + Duration::minutes(20)).await;
    assert_eq!((unavailable.sent, unavailable.given_up), (0, 0));
    let (status, _) = outbox::status(db.conn()).await.unwrap();
    assert_eq!(
        (status.pending, status.retrying, status.failed),
        (200, 200, 0),
        "every message was tried during the outage, none given up"
    );
    for message in outbox::all(db.conn()).await.unwrap() {
        assert_eq!(message.attempts, 0, "an outage is not an attempt");
        assert_eq!(message.claimed_until, None, "no claim left behind");
    }

    // SMTP is back: everything leaves within the outage retry cap.
    sink.set_behaviour(Behaviour::Accept);
    let back = clock.now();
    let after = run_until(back + OUTAGE_RETRY_MAX + poll).await;
    assert_eq!((after.sent, after.given_up), (200, 0));
    let messages = outbox::all(db.conn()).await.unwrap();
    for message in &messages {
        assert_eq!(message.attempts, 1, "one real try: the one that delivered");
        assert_eq!(message.failed_at, None);
        assert_eq!(message.last_error, None);
        let sent_at = message.sent_at.expect("sent");
        assert!(sent_at - back <= OUTAGE_RETRY_MAX, "sent {sent_at}");
    }
    let received = sink.received().await;
    assert_eq!((received.len(), message_ids(&received).len()), (200, 200));
}

/// The server's refusal quotes the address (as Postfix does); neither the stored error
/// nor any line the binary logs repeats it: they say what kind of failure it was and
/// its code. A message given up after its day of outage is logged too, by id and kind.
#[tokio::test(flavor = "multi_thread")]
async fn smtp_errors_are_logged_and_stored_without_the_address() {
    let test_db = TestDb::new().await;
    let db = test_db.migrated().await;
    let sink = SmtpSink::start().await;
    sink.refuse_recipient("inconnu.destinataire@exemple.test");
    let now = chrono::Utc::now();
    enqueue(&db, "inconnu.destinataire@exemple.test", 1, now).await;
    // Logs as a collector reads them: JSON, every level from info up.
    let run = |smtp_url: String| {
        parcours()
            .env("PARCOURS__DATABASE__URL", &test_db.url)
            .env("PARCOURS__MAIL__SMTP_URL", smtp_url)
            .env("PARCOURS__LOG__FORMAT", "json")
            .env("RUST_LOG", "info")
            .args(["outbox", "run"])
            .output()
            .unwrap()
    };
    let refused = run(sink.url());
    assert!(
        String::from_utf8_lossy(&refused.stdout).contains("0 envoyé(s), 1 à réessayer"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    assert_eq!(sink.refusals().len(), 1, "the server did refuse it");
    let stored = outbox::all(db.conn()).await.unwrap().remove(0);
    assert_eq!(
        stored.last_error.as_deref(),
        Some("refus permanent du serveur (550)")
    );

    // Another one, queued more than a day ago, meets an outage: given up, and said so.
    enqueue(
        &db,
        "personne.patiente@exemple.test",
        2,
        now - Duration::hours(25),
    )
    .await;
    let down = run(format!("smtp://127.0.0.1:{}", free_port()));
    assert!(String::from_utf8_lossy(&down.stdout).contains("1 abandonné(s)"));
    let logs = format!(
        "{}{}",
        String::from_utf8_lossy(&refused.stderr),
        String::from_utf8_lossy(&down.stderr)
    );
    assert!(
        logs.contains("refus permanent du serveur (550)"),
        "the failure is logged: {logs}"
    );
    assert!(logs.contains("mail given up"), "{logs}");
    assert!(logs.contains("serveur injoignable"), "{logs}");
    for secret in ["inconnu.destinataire", "personne.patiente", "@exemple.test"] {
        assert!(!logs.contains(secret), "{secret} logged: {logs}");
    }
    for message in outbox::all(db.conn()).await.unwrap() {
        assert!(!message.last_error.unwrap().contains('@'));
    }
}

/// A message the server refuses for good takes MAX_ATTEMPTS real tries, with backoff,
/// then is given up — without holding up the messages behind it. The operator sees it
/// in `parcours outbox status`, in French with the reason, and requeues it with
/// `parcours outbox retry`.
#[tokio::test(flavor = "multi_thread")]
async fn a_refused_message_is_given_up_after_its_attempts_and_shown_to_the_operator() {
    let test_db = TestDb::new().await;
    let db = test_db.migrated().await;
    let clock = Clock::manual(t0());
    let sink = SmtpSink::start().await;
    sink.refuse_recipient("inconnu@exemple.test");
    let core = core(&db, sink.url());
    enqueue(&db, "inconnu@exemple.test", 1, clock.now()).await;
    enqueue(&db, "conseil@exemple.test", 2, clock.now()).await;
    let first = deliver_due(&core, &clock).await.unwrap();
    assert_eq!(
        first,
        Delivery {
            sent: 1,
            retried: 1,
            given_up: 0
        },
        "a refusal does not stop the batch"
    );
    let refused_id = outbox::all(db.conn()).await.unwrap()[0].id;
    let refused = || async {
        outbox::all(db.conn())
            .await
            .unwrap()
            .into_iter()
            .find(|m| m.id == refused_id)
            .unwrap()
    };
    let mut runs = 1;
    while refused().await.failed_at.is_none() {
        assert!(runs <= MAX_ATTEMPTS, "given up after {MAX_ATTEMPTS} tries");
        clock.set(refused().await.next_attempt_at);
        deliver_due(&core, &clock).await.unwrap();
        runs += 1;
    }
    let given_up = refused().await;
    assert_eq!(given_up.attempts, MAX_ATTEMPTS);
    assert_eq!(sink.refusals().len(), MAX_ATTEMPTS as usize);
    assert_eq!(
        given_up.last_error.as_deref(),
        Some("refus permanent du serveur (550)")
    );
    // 30 s, 1 min, 2 min… between the tries: a few hours in all, within the day.
    let took = given_up.failed_at.unwrap() - t0();
    assert!(
        took > Duration::hours(4) && took < Duration::hours(5),
        "{took}"
    );

    let cli = |args: &[&str]| {
        parcours()
            .env("PARCOURS__DATABASE__URL", &test_db.url)
            .args(args)
            .output()
            .unwrap()
    };
    let status = cli(&["outbox", "status"]);
    let text = String::from_utf8_lossy(&status.stdout).into_owned();
    assert!(status.status.success(), "{text}");
    assert!(
        text.contains("En attente : 0   envoyés : 1   abandonnés : 1"),
        "{text}"
    );
    assert!(text.contains("parcours outbox retry"), "{text}");
    assert!(
        text.contains(&format!(
            "n° {refused_id} (test) abandonné le 2026-11-02 13:1"
        )) && text.contains("après 10 tentative(s) : refus permanent du serveur (550)"),
        "{text}"
    );
    assert!(!text.contains("inconnu@"), "{text}");

    let unknown = cli(&["outbox", "retry", "--id", "999999"]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("aucun message abandonné n° 999999"));
    let retry = cli(&["outbox", "retry", "--id", &refused_id.to_string()]);
    assert!(
        String::from_utf8_lossy(&retry.stdout).contains("1 message(s) remis en file d'envoi"),
        "{}",
        String::from_utf8_lossy(&retry.stderr)
    );
    let requeued = refused().await;
    assert_eq!(
        (requeued.attempts, requeued.failed_at, requeued.last_error),
        (0, None, None)
    );
    assert!(requeued.requeued_at.is_some());
    let status = cli(&["outbox", "status"]);
    assert!(
        String::from_utf8_lossy(&status.stdout)
            .contains("En attente : 1   envoyés : 1   abandonnés : 0")
    );
    let none_left = cli(&["outbox", "retry"]);
    assert!(
        String::from_utf8_lossy(&none_left.stdout).contains("0 message(s) remis en file d'envoi")
    );
}

/// Shutdown mid-batch: the message being sent when the stop comes is sent once; the
/// rest of the batch is given back at once, due now, its attempts untouched — not left
/// to a two-minute lease.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_mid_batch_sends_the_message_in_hand_once_and_gives_back_the_rest() {
    let test_db = TestDb::new().await;
    let db = test_db.migrated().await;
    let clock = Clock::manual(t0());
    let sink = SmtpSink::start().await;
    let core = core(&db, sink.url());
    for n in 0..5 {
        enqueue(&db, &format!("dest{n}@exemple.test"), n, clock.now()).await;
    }
    sink.hold_answers();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let worker = tokio::spawn({
        let (core, clock) = (core.clone(), clock.clone());
        async move { parcours_core::outbox::deliver_due_until(&core, &clock, &stopped).await }
    });
    // The first message is at the server, waiting for its answer: stop now.
    sink.wait_for(1).await;
    stop.send(true).unwrap();
    sink.release_answers();
    let report = worker.await.unwrap().unwrap();
    assert_eq!(
        report,
        Delivery {
            sent: 1,
            retried: 0,
            given_up: 0
        }
    );
    let messages = outbox::all(db.conn()).await.unwrap();
    assert!(messages[0].sent_at.is_some());
    assert_eq!(messages[0].attempts, 1);
    for message in &messages[1..] {
        assert_eq!(message.sent_at, None);
        assert_eq!(message.claimed_until, None, "given back");
        assert_eq!(message.attempts, 0, "not an attempt");
        assert!(message.next_attempt_at <= clock.now(), "due at once");
    }
    // Another worker, at the same instant, sends the rest; nothing twice.
    assert_eq!(deliver_due(&core, &clock).await.unwrap().sent, 4);
    let received = sink.received().await;
    assert_eq!((received.len(), message_ids(&received).len()), (5, 5));
}
