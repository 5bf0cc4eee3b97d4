//! Accounts an organisation runs itself, in the browser and from the e-mails alone: an
//! invitation and a password reset each completed by following the link the real SMTP
//! listener received; links single-use, replaced by a newer one, expiring (the test
//! clock moves); disabling ends a session at once; an org admin runs their own
//! organisation only; platform admins create organisations and territories and upload
//! the QPV list.

use crate::pages::{Answer, Browser};
use crate::support::{PASSWORD, TestApp, TestUser};
use chrono::Duration;
use parcours_domain::organisations::OrganisationKind;
use parcours_domain::users::Role;
use parcours_persistence::entities::{account_tokens, outbox};
use sea_orm::EntityTrait;

const NEW_PASSWORD: &str = "une nouvelle phrase de passe";

/// The link to `path` (`/invitation`, `/reinitialisation`) in the last mail sent to
/// `to`, as the mail's reader would click it: quoted-printable soft breaks undone.
pub(crate) async fn link_in_mail(app: &TestApp, to: &str, path: &str) -> String {
    let mails = app.smtp.received().await;
    let mail = mails
        .iter()
        .rev()
        .find(|m| m.recipients.iter().any(|r| r == to))
        .unwrap_or_else(|| panic!("no mail to {to}"));
    let data = mail.data.replace("=\r\n", "").replace("=\n", "");
    // The link is built from the configured public address, like referral mails.
    let public = app.state.core.settings().public_url.trim_end_matches('/');
    let prefix = format!("{public}{path}/");
    let start = data
        .find(&prefix)
        .unwrap_or_else(|| panic!("no {prefix} link in:\n{data}"))
        + prefix.len();
    let token: String = data[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    assert_eq!(token.len(), 43, "a 256-bit token");
    format!("{path}/{token}")
}

async fn mails_to(app: &TestApp, to: &str) -> usize {
    app.smtp
        .received()
        .await
        .iter()
        .filter(|m| m.recipients.iter().any(|r| r == to))
        .count()
}

async fn org_admin(app: &TestApp) -> (TestUser, Browser) {
    let org = app
        .organisation("CitésLab Équipe", OrganisationKind::Citeslab)
        .await;
    let admin = app.user(org, Role::OrgAdmin).await;
    let browser = Browser::new(app);
    browser.sign_in(&admin).await;
    (admin, browser)
}

async fn invite(browser: &Browser, email: &str, role: &str) -> Answer {
    let page = browser.get("/equipe/inviter").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let structure = page.hidden("structure");
    browser
        .post(
            "/equipe/inviter",
            &[
                ("_csrf", &page.csrf()),
                ("structure", &structure),
                ("name", "Inès Nouvelle"),
                ("email", email),
                ("role", role),
            ],
        )
        .await
}

async fn account_id(app: &TestApp, email: &str) -> i64 {
    parcours_persistence::users::find_by_email(
        app.db.conn(),
        &parcours_domain::users::Email::parse(email).unwrap(),
    )
    .await
    .unwrap()
    .unwrap()
    .id
}

async fn choose_password(browser: &Browser, link: &str, password: &str) -> Answer {
    browser
        .post(link, &[("new", password), ("confirmation", password)])
        .await
}

async fn api_login_status(app: &TestApp, email: &str, password: &str) -> u16 {
    app.login_response(&app.anonymous(), email, password)
        .await
        .status()
        .as_u16()
}

#[tokio::test]
async fn an_invitation_is_completed_from_the_email_alone() {
    let app = TestApp::start().await;
    let (_, admin) = org_admin(&app).await;
    let today = admin.get("/").await;
    assert!(
        today.body.contains("href=\"/equipe\""),
        "the org admin's nav"
    );
    let email = "ines.nouvelle@exemple.test";
    let sent = invite(&admin, email, "adviser").await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    assert_eq!(sent.location, "/equipe?fait=invitation-envoyee");
    let team = admin.get(&sent.location).await;
    assert!(
        team.body
            .contains("Invitation envoyée : le lien est valable 72 heures.")
    );
    assert!(team.body.contains("Inès Nouvelle"));
    assert!(team.body.contains("Invitation envoyée (valable jusqu"));
    // Pending: nothing signs in yet, not even an empty password.
    assert_eq!(api_login_status(&app, email, PASSWORD).await, 401);

    assert_eq!(app.deliver_mail().await.sent, 1);
    let link = link_in_mail(&app, email, "/invitation").await;
    let mail = app.smtp.received().await.pop().unwrap();
    assert!(mail.data.contains("Invitation"), "{}", mail.data);
    // The database keeps the token's hash only, and forgets the mail's bodies once sent.
    let token = link.rsplit('/').next().unwrap();
    let conn = app.db.conn();
    let links = account_tokens::Entity::find().all(conn).await.unwrap();
    assert_eq!(links.len(), 1);
    assert_ne!(links[0].token_hash, token);
    let stored = outbox::Entity::find().all(conn).await.unwrap();
    assert!(
        stored
            .iter()
            .all(|m| !m.text_body.contains(token) && !m.html_body.contains(token)),
        "the link is not kept in the outbox"
    );

    // The person, in a browser of their own, with nothing but the link.
    let person = Browser::new(&app);
    let form = person.get(&link).await;
    assert_eq!(form.status, 200, "{}", form.body);
    assert!(form.body.contains("Activer votre compte"));
    assert!(form.body.contains(email));
    assert_eq!(
        form.headers.get("referrer-policy").unwrap(),
        "no-referrer",
        "the token does not leave in a Referer"
    );
    let short = choose_password(&person, &link, "court").await;
    assert_eq!(short.status, 422);
    assert!(short.body.contains("au moins 12 caractères"));
    let done = choose_password(&person, &link, NEW_PASSWORD).await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(done.location, "/?fait=compte-active");
    let home = person.get(&done.location).await;
    assert_eq!(home.status, 200, "signed in at once");
    assert!(home.body.contains("Votre compte est activé"));

    // Single use.
    let again = Browser::new(&app).get(&link).await;
    assert_eq!(again.status, 404);
    assert!(again.body.contains("Lien inutilisable"));
    assert_eq!(api_login_status(&app, email, NEW_PASSWORD).await, 200);
    let team = admin.get("/equipe").await;
    // Inès's own row, not the admin's, says she is active.
    let row = &team.body[team.body.find("Inès Nouvelle").expect("her row")..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(row.contains("Actif"), "{row}");
    assert!(!team.body.contains("Invitation envoyée (valable"));
}

#[tokio::test]
async fn an_invitation_expires_and_a_new_one_replaces_the_old() {
    let app = TestApp::start().await;
    let (admin_user, admin) = org_admin(&app).await;
    let email = "karim.relance@exemple.test";
    assert_eq!(invite(&admin, email, "org_admin").await.status, 303);
    // The same address twice is an error on the field, not a second account.
    let twice = invite(&admin, email, "adviser").await;
    assert_eq!(twice.status, 422);
    assert!(
        twice
            .body
            .contains("un compte existe déjà avec cette adresse")
    );
    assert!(twice.body.contains("href=\"#champ-email\""));
    // A role an org admin may not give.
    let coordinator = invite(&admin, "autre@exemple.test", "admin").await;
    assert_eq!(coordinator.status, 422);
    assert!(
        coordinator
            .body
            .contains("Rôle : choisissez un rôle dans la liste")
    );

    app.deliver_mail().await;
    let first = link_in_mail(&app, email, "/invitation").await;
    let id = account_id(&app, email).await;
    let team = admin.get("/equipe").await;
    let resent = admin
        .post(
            &format!("/equipe/comptes/{id}/relancer"),
            &[("_csrf", &team.csrf())],
        )
        .await;
    assert_eq!(resent.status, 303, "{}", resent.body);
    assert_eq!(resent.location, "/equipe?fait=invitation-renvoyee");
    app.deliver_mail().await;
    let second = link_in_mail(&app, email, "/invitation").await;
    assert_ne!(first, second);
    let person = Browser::new(&app);
    assert_eq!(person.get(&first).await.status, 404, "replaced");
    assert_eq!(person.get(&second).await.status, 200);

    // 72 hours later, the link is dead, and says what to do.
    app.clock
        .advance(Duration::hours(72) + Duration::minutes(1));
    let expired = person.get(&second).await;
    assert_eq!(expired.status, 410);
    assert!(expired.body.contains("Lien expiré"));
    assert!(
        expired.body.contains("nouvelle invitation"),
        "{}",
        expired.body
    );
    let late = choose_password(&person, &second, NEW_PASSWORD).await;
    assert_eq!(late.status, 410, "nothing is set through an expired link");
    // Three days on, the admin's own session has ended too.
    admin.sign_in(&admin_user).await;
    let team = admin.get("/equipe").await;
    assert!(team.body.contains("Invitation expirée"));
    assert_eq!(api_login_status(&app, email, NEW_PASSWORD).await, 401);

    // A fresh one works.
    let resent = admin
        .post(
            &format!("/equipe/comptes/{id}/relancer"),
            &[("_csrf", &team.csrf())],
        )
        .await;
    assert_eq!(resent.status, 303);
    app.deliver_mail().await;
    let third = link_in_mail(&app, email, "/invitation").await;
    assert_eq!(
        choose_password(&person, &third, NEW_PASSWORD).await.status,
        303
    );
    assert_eq!(api_login_status(&app, email, NEW_PASSWORD).await, 200);
    // An active account has no invitation to send again.
    let refused = admin
        .post(
            &format!("/equipe/comptes/{id}/relancer"),
            &[("_csrf", &team.csrf())],
        )
        .await;
    assert_eq!(refused.status, 409);
    // Nobody disables themselves.
    let own = admin
        .post(
            &format!("/equipe/comptes/{}/desactiver", admin_user.id),
            &[("_csrf", &team.csrf())],
        )
        .await;
    assert_eq!(own.status, 409);
}

#[tokio::test]
async fn disabling_an_account_ends_its_session_at_once() {
    let app = TestApp::start().await;
    let (admin_user, admin) = org_admin(&app).await;
    let adviser = app.user(admin_user.organisation_id, Role::Adviser).await;
    let browser = Browser::new(&app);
    browser.sign_in(&adviser).await;
    assert_eq!(browser.get("/").await.status, 200);

    let team = admin.get("/equipe").await;
    let disabled = admin
        .post(
            &format!("/equipe/comptes/{}/desactiver", adviser.id),
            &[("_csrf", &team.csrf())],
        )
        .await;
    assert_eq!(disabled.status, 303, "{}", disabled.body);
    assert_eq!(disabled.location, "/equipe?fait=compte-desactive");
    let out = browser.get("/").await;
    assert_eq!(out.status, 303);
    assert!(out.location.starts_with("/connexion"), "{}", out.location);
    assert_eq!(api_login_status(&app, &adviser.email, PASSWORD).await, 401);
    let team = admin.get("/equipe").await;
    assert!(team.body.contains("Désactivé"));

    let enabled = admin
        .post(
            &format!("/equipe/comptes/{}/reactiver", adviser.id),
            &[("_csrf", &team.csrf())],
        )
        .await;
    assert_eq!(enabled.status, 303);
    assert_eq!(api_login_status(&app, &adviser.email, PASSWORD).await, 200);
    // Without the form's token, nothing happens.
    let forged = admin
        .post(
            &format!("/equipe/comptes/{}/desactiver", adviser.id),
            &[("_csrf", "faux")],
        )
        .await;
    assert_eq!(forged.status, 403);
    assert_eq!(api_login_status(&app, &adviser.email, PASSWORD).await, 200);
}

#[tokio::test]
async fn a_password_reset_is_completed_from_the_email_alone() {
    let app = TestApp::start().await;
    let adviser = app.adviser().await;
    let elsewhere = Browser::new(&app);
    elsewhere.sign_in(&adviser).await;

    let login = Browser::new(&app).get("/connexion").await;
    assert!(login.body.contains("href=\"/mot-de-passe-oublie\""));
    let visitor = Browser::new(&app);
    let form = visitor.get("/mot-de-passe-oublie").await;
    assert_eq!(form.status, 200);
    let started = std::time::Instant::now();
    let unknown = visitor
        .post(
            "/mot-de-passe-oublie",
            &[("email", "personne@inconnu.test")],
        )
        .await;
    let unknown_took = started.elapsed();
    let started = std::time::Instant::now();
    let known = visitor
        .post(
            "/mot-de-passe-oublie",
            &[("email", &adviser.email.to_uppercase())],
        )
        .await;
    // Both wait for the same floor, whatever the work behind them.
    let floor = std::time::Duration::from_millis(250);
    assert!(unknown_took >= floor && started.elapsed() >= floor);
    assert_eq!(unknown.status, 200);
    assert_eq!(known.status, 200);
    assert_eq!(unknown.body, known.body, "the same answer either way");
    assert!(
        known
            .body
            .contains("Si un compte actif correspond à cette adresse")
    );
    let invalid = visitor
        .post("/mot-de-passe-oublie", &[("email", "pas une adresse")])
        .await;
    assert_eq!(invalid.status, 422);
    assert!(invalid.body.contains("Adresse électronique : "));

    assert_eq!(
        app.deliver_mail().await.sent,
        1,
        "one mail, to the known address"
    );
    let link = link_in_mail(&app, &adviser.email, "/reinitialisation").await;
    let page = visitor.get(&link).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Choisir un nouveau mot de passe"));
    let mismatch = visitor
        .post(
            &link,
            &[
                ("new", NEW_PASSWORD),
                ("confirmation", "autre chose encore"),
            ],
        )
        .await;
    assert_eq!(mismatch.status, 422);
    assert!(
        mismatch
            .body
            .contains("les deux saisies du nouveau mot de passe diffèrent")
    );
    let done = choose_password(&visitor, &link, NEW_PASSWORD).await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(done.location, "/?fait=mot-de-passe-reinitialise");
    assert_eq!(visitor.get("/").await.status, 200, "signed in");
    // Every other session ended; the link served once; the old password is gone.
    let ended = elsewhere.get("/").await;
    assert_eq!(ended.status, 303);
    assert_eq!(visitor.get(&link).await.status, 404);
    assert_eq!(api_login_status(&app, &adviser.email, PASSWORD).await, 401);
    assert_eq!(
        api_login_status(&app, &adviser.email, NEW_PASSWORD).await,
        200
    );

    // A reset link works for an hour.
    app.clock.advance(Duration::minutes(5));
    let asked = visitor
        .post("/mot-de-passe-oublie", &[("email", &adviser.email)])
        .await;
    assert_eq!(asked.status, 200);
    app.deliver_mail().await;
    let hourly = link_in_mail(&app, &adviser.email, "/reinitialisation").await;
    app.clock.advance(Duration::minutes(61));
    let expired = visitor.get(&hourly).await;
    assert_eq!(expired.status, 410);
    assert!(expired.body.contains("href=\"/mot-de-passe-oublie\""));

    // A disabled account gets no mail, and the same answer.
    parcours_core::accounts::disable(&app.state.core, &adviser.email, app.clock.now())
        .await
        .unwrap();
    app.clock.advance(Duration::minutes(5));
    let before = mails_to(&app, &adviser.email).await;
    let disabled = visitor
        .post("/mot-de-passe-oublie", &[("email", &adviser.email)])
        .await;
    assert_eq!(disabled.body, unknown.body);
    app.deliver_mail().await;
    assert_eq!(mails_to(&app, &adviser.email).await, before);
}

#[tokio::test]
async fn an_org_admin_runs_their_own_organisation_only() {
    let app = TestApp::start().await;
    let (admin_user, admin) = org_admin(&app).await;
    let other_org = app
        .organisation("Adie Ailleurs", OrganisationKind::Adie)
        .await;
    let stranger = app.user(other_org, Role::Adviser).await;
    let team = admin.get("/equipe").await;
    for action in ["desactiver", "reactiver", "relancer"] {
        let answer = admin
            .post(
                &format!("/equipe/comptes/{}/{action}", stranger.id),
                &[("_csrf", &team.csrf())],
            )
            .await;
        assert_eq!(answer.status, 404, "{action}");
    }
    assert_eq!(api_login_status(&app, &stranger.email, PASSWORD).await, 200);
    assert_eq!(
        admin
            .get(&format!("/equipe?structure={other_org}"))
            .await
            .status,
        404
    );
    assert_eq!(
        admin
            .get(&format!("/equipe/inviter?structure={other_org}"))
            .await
            .status,
        404
    );
    assert_eq!(admin.get("/admin").await.status, 403);

    let adviser = app.user(admin_user.organisation_id, Role::Adviser).await;
    let browser = Browser::new(&app);
    let home = browser.sign_in(&adviser).await;
    assert!(
        !home.body.contains("href=\"/equipe\""),
        "no link they cannot follow"
    );
    let refused = browser.get("/equipe").await;
    assert_eq!(refused.status, 403);
    assert!(refused.body.contains("Accès refusé"));
    assert_eq!(browser.get("/equipe/inviter").await.status, 403);
    assert_eq!(browser.get("/admin/organisations").await.status, 403);
}

#[tokio::test]
async fn platform_admins_run_organisations_territories_and_the_qpv_list() {
    let app = TestApp::start().await;
    let home_org = app
        .organisation("Plateforme", OrganisationKind::Autre)
        .await;
    let platform = app.user(home_org, Role::Admin).await;
    let admin = Browser::new(&app);
    let home = admin.sign_in(&platform).await;
    assert!(home.body.contains("href=\"/admin\""));
    assert_eq!(admin.get("/admin").await.status, 200);

    // An organisation.
    let form = admin.get("/admin/organisations/nouvelle").await;
    assert_eq!(form.status, 200, "{}", form.body);
    let territory = app.territory_id.to_string();
    let fields = |name: &'static str, kind: &'static str| {
        vec![
            ("name", name.to_owned()),
            ("organisation_kind", kind.to_owned()),
            ("territory", territory.clone()),
            ("notification_email", String::new()),
        ]
    };
    let mut bad = fields("", "inconnu");
    bad.push(("_csrf", form.csrf()));
    let bad: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let refused = admin.post("/admin/organisations/nouvelle", &bad).await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("Il y a 2 erreurs"));
    assert!(
        refused
            .body
            .contains("Type de structure : choisissez un type dans la liste")
    );
    let mut good = fields("BGE Nouvelle", "bge");
    good.push(("_csrf", form.csrf()));
    let good: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let created = admin.post("/admin/organisations/nouvelle", &good).await;
    assert_eq!(created.status, 303, "{}", created.body);
    let list = admin.get(&created.location).await;
    assert!(list.body.contains("BGE Nouvelle"));
    assert!(list.body.contains("Structure créée."));
    let again = admin.post("/admin/organisations/nouvelle", &good).await;
    assert_eq!(again.status, 422, "a name already used");
    assert!(again.body.contains("une structure porte déjà ce nom"));
    let id = parcours_persistence::organisations::find_id_by_name(app.db.conn(), "BGE Nouvelle")
        .await
        .unwrap()
        .unwrap();
    let edit = admin.get(&format!("/admin/organisations/{id}")).await;
    assert_eq!(edit.status, 200);
    let mut renamed = fields("BGE Renommée", "bge");
    renamed.push(("_csrf", form.csrf()));
    let renamed: Vec<(&str, &str)> = renamed.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(
        admin
            .post(&format!("/admin/organisations/{id}"), &renamed)
            .await
            .status,
        303
    );
    assert!(
        admin
            .get("/admin/organisations")
            .await
            .body
            .contains("BGE Renommée")
    );
    // Its first admin, invited by the platform.
    let team = admin.get(&format!("/equipe?structure={id}")).await;
    assert_eq!(team.status, 200, "{}", team.body);
    let invite = admin.get(&format!("/equipe/inviter?structure={id}")).await;
    assert_eq!(invite.hidden("structure"), id.to_string());
    let sent = admin
        .post(
            "/equipe/inviter",
            &[
                ("_csrf", &invite.csrf()),
                ("structure", &id.to_string()),
                ("name", "Première Admin"),
                ("email", "premiere.admin@bge.test"),
                ("role", "org_admin"),
            ],
        )
        .await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    assert_eq!(
        sent.location,
        format!("/equipe?structure={id}&fait=invitation-envoyee")
    );

    // A territory.
    let page = admin.get("/admin/territoires").await;
    assert_eq!(page.status, 200);
    let wrong = admin
        .post(
            "/admin/territoires",
            &[
                ("_csrf", &page.csrf()),
                ("code", "PLAINE"),
                ("name", "Plaine Commune"),
                ("communes", "93066 Saint-Denis\n930 Aubervilliers"),
            ],
        )
        .await;
    assert_eq!(wrong.status, 422);
    assert!(wrong.body.contains("ligne 2"));
    let saved = admin
        .post(
            "/admin/territoires",
            &[
                ("_csrf", &page.csrf()),
                ("code", "PLAINE"),
                ("name", "Plaine Commune"),
                ("communes", "93066 Saint-Denis\n93001 Aubervilliers"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let list = admin.get("/admin/territoires").await;
    assert!(list.body.contains("Plaine Commune"));

    // The QPV list: a file with an error writes nothing; a good one is imported.
    let csrf = admin.get("/admin/qpv").await.csrf();
    let upload = |csrf: &str, file: &'static str| {
        let admin = &admin;
        let csrf = csrf.to_owned();
        async move {
            let answer = admin
                .upload(
                    "/admin/qpv",
                    &[("_csrf", &csrf)],
                    "qpv.csv",
                    file.as_bytes(),
                )
                .await;
            (answer.status, answer.body)
        }
    };
    let broken = "code_qp;lib_qp;insee_com;lib_com\nQN00101A;Les Tilleuls;00101;Villetest\nXX1;Le Moulin;00101;Villetest\n";
    let (status, body) = upload(&csrf, broken).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("ligne 3"), "{body}");
    assert!(
        !parcours_persistence::qpv::reference_loaded(app.db.conn())
            .await
            .unwrap(),
        "nothing written"
    );
    let good = "code_qp;lib_qp;insee_com;lib_com\nQN00101A;Les Tilleuls;00101;Villetest\nQN00101B;Le Moulin;00101;Villetest\n";
    let (status, body) = upload(&csrf, good).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("2 quartier(s) créé(s)"), "{body}");
    assert!(
        parcours_persistence::qpv::exists(app.db.conn(), "QN00101B")
            .await
            .unwrap()
    );
    let (status, _) = upload("faux", good).await;
    assert_eq!(status, 403, "the form's token is checked");
}

/// Reset requests from one address are limited like sign-ins: past the limit, the
/// page says to wait, and nothing is looked up or sent.
#[tokio::test]
async fn reset_requests_are_limited_per_client_address() {
    let mut settings = crate::support::test_settings();
    settings.core.login_per_address_per_minute = 2;
    let app = TestApp::start_with(settings).await;
    let adviser = app.adviser().await;
    let visitor = Browser::new(&app);
    for _ in 0..2 {
        let answer = visitor
            .post(
                "/mot-de-passe-oublie",
                &[("email", "personne@inconnu.test")],
            )
            .await;
        assert_eq!(answer.status, 200);
    }
    let refused = visitor
        .post("/mot-de-passe-oublie", &[("email", &adviser.email)])
        .await;
    assert_eq!(refused.status, 429, "{}", refused.body);
    assert!(refused.body.contains("Trop de demandes depuis ce poste"));
    app.deliver_mail().await;
    assert_eq!(mails_to(&app, &adviser.email).await, 0);
}
