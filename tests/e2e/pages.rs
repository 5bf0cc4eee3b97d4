//! The web pages without JavaScript: plain GETs and form posts, as a browser with
//! scripts off sends them. Sign-in and back, the adviser's day (Aujourd'hui, search,
//! the file, a contact, a stage, closing), forms refused without the session's token,
//! what a partner sees, and the pages' headers.

use crate::support::{PASSWORD, TestApp, TestUser};
use chrono::Duration;
use parcours_domain::organisations::OrganisationKind;
use parcours_domain::users::Role;
use parcours_persistence::audit;
use reqwest::redirect::Policy;
use serde_json::{Value, json};

/// A browser with scripts off: keeps cookies, does not follow redirects (the tests
/// look at each 303).
pub struct Browser {
    client: reqwest::Client,
    cookies: std::sync::Arc<reqwest::cookie::Jar>,
    base: String,
}

pub struct Answer {
    pub status: u16,
    pub location: String,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Answer {
    /// The form token of the page (every form of a session carries the same).
    pub fn csrf(&self) -> String {
        self.hidden("_csrf")
    }

    /// The value of the first field named `name` on the page.
    pub fn hidden(&self, name: &str) -> String {
        let marker = format!("name=\"{name}\" value=\"");
        let start = self
            .body
            .find(&marker)
            .unwrap_or_else(|| panic!("no field {name}"))
            + marker.len();
        let end = self.body[start..].find('"').unwrap();
        self.body[start..start + end].to_owned()
    }
}

impl Browser {
    pub fn new(app: &TestApp) -> Self {
        let cookies = std::sync::Arc::new(reqwest::cookie::Jar::default());
        Self {
            client: reqwest::Client::builder()
                .cookie_provider(cookies.clone())
                .redirect(Policy::none())
                .build()
                .unwrap(),
            cookies,
            base: app.url(""),
        }
    }

    /// The `Cookie` header this browser sends: for a request written by hand.
    pub fn cookie_header(&self) -> String {
        use reqwest::cookie::CookieStore;
        self.cookies
            .cookies(&self.base.parse().unwrap())
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    }

    async fn answer(response: reqwest::Response) -> Answer {
        Answer {
            status: response.status().as_u16(),
            location: response
                .headers()
                .get("location")
                .map(|l| l.to_str().unwrap().to_owned())
                .unwrap_or_default(),
            headers: response.headers().clone(),
            body: response.text().await.unwrap(),
        }
    }

    pub async fn get(&self, path: &str) -> Answer {
        Self::answer(
            self.client
                .get(format!("{}{path}", self.base))
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Answer {
        Self::answer(
            self.client
                .post(format!("{}{path}", self.base))
                .form(form)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    pub async fn post_from(&self, path: &str, origin: &str, form: &[(&str, &str)]) -> Answer {
        Self::answer(
            self.client
                .post(format!("{}{path}", self.base))
                .header("origin", origin)
                .form(form)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// Sends a form with a file (`multipart/form-data`), its fields first (the session's
    /// token among them), then the file in the part named `file`.
    pub async fn upload(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        file_name: &str,
        file: &[u8],
    ) -> Answer {
        let boundary = "----parcours-test-boundary";
        let mut body = Vec::new();
        for (name, value) in fields {
            body.extend(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
                )
                .bytes(),
            );
        }
        body.extend(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .bytes(),
        );
        body.extend_from_slice(file);
        body.extend(format!("\r\n--{boundary}--\r\n").bytes());
        Self::answer(
            self.client
                .post(format!("{}{path}", self.base))
                .header(
                    "content-type",
                    format!("multipart/form-data; boundary={boundary}"),
                )
                .body(body)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// Signs in through the form; returns the page it lands on.
    pub async fn sign_in(&self, user: &TestUser) -> Answer {
        let answer = self
            .post(
                "/connexion",
                &[
                    ("email", &user.email),
                    ("password", PASSWORD),
                    ("suite", "/"),
                ],
            )
            .await;
        assert_eq!(answer.status, 303, "{}", answer.body);
        self.get(&answer.location).await
    }
}

async fn api_holder(app: &TestApp, api: &reqwest::Client, body: Value) -> i64 {
    let response = api
        .post(app.url("/api/v1/holders"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    response.json::<Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn a_page_without_a_session_asks_to_sign_in_then_comes_back() {
    let app = TestApp::start().await;
    let adviser = app.adviser().await;
    let browser = Browser::new(&app);
    let asked = browser.get("/personnes?q=ben").await;
    assert_eq!(asked.status, 303);
    assert_eq!(asked.location, "/connexion?suite=/personnes%3Fq%3Dben");
    let login = browser.get(&asked.location).await;
    assert_eq!(login.status, 200);
    assert!(
        login
            .body
            .contains("<title>Se connecter — Parcours</title>")
    );
    assert!(login.body.contains("value=\"/personnes?q=ben\""));

    // A wrong password: the same form, the address kept, one clear message.
    let wrong = browser
        .post(
            "/connexion",
            &[
                ("email", adviser.email.as_str()),
                ("password", "pas le bon"),
                ("suite", "/personnes?q=ben"),
            ],
        )
        .await;
    assert_eq!(wrong.status, 401);
    assert!(wrong.body.contains("Adresse ou mot de passe incorrect"));
    assert!(wrong.body.contains(&format!("value=\"{}\"", adviser.email)));
    assert!(wrong.body.contains("Il y a 1 erreur"));
    assert!(
        !wrong.body.contains("pas le bon"),
        "a password is never shown again"
    );

    let ok = browser
        .post(
            "/connexion",
            &[
                ("email", adviser.email.as_str()),
                ("password", PASSWORD),
                ("suite", "/personnes?q=ben"),
            ],
        )
        .await;
    assert_eq!(ok.status, 303);
    assert_eq!(ok.location, "/personnes?q=ben");
    let cookie = ok.headers["set-cookie"].to_str().unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert_eq!(browser.get("/personnes?q=ben").await.status, 200);

    // Only a path of this site is a place to come back to.
    for next in [
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
    ] {
        let answer = browser
            .post(
                "/connexion",
                &[
                    ("email", adviser.email.as_str()),
                    ("password", PASSWORD),
                    ("suite", next),
                ],
            )
            .await;
        assert_eq!(
            (answer.status, answer.location.as_str()),
            (303, "/"),
            "{next}"
        );
    }

    // Signing out ends the session on the server.
    let home = browser.get("/").await;
    let out = browser
        .post("/deconnexion", &[("_csrf", &home.csrf())])
        .await;
    assert_eq!(out.status, 303);
    assert_eq!(out.location, "/connexion?sortie=1");
    assert!(
        browser
            .get(&out.location)
            .await
            .body
            .contains("Vous êtes déconnecté")
    );
    assert_eq!(browser.get("/").await.status, 303);
}

#[tokio::test]
async fn an_expired_session_says_so() {
    let app = TestApp::start().await;
    let adviser = app.adviser().await;
    let browser = Browser::new(&app);
    browser.sign_in(&adviser).await;
    app.clock.advance(Duration::hours(13));
    let answer = browser.get("/personnes").await;
    assert_eq!(answer.status, 303);
    assert_eq!(answer.location, "/connexion?suite=/personnes&expiree=1");
    let page = browser.get(&answer.location).await;
    assert!(
        page.body.contains("Votre session a expiré"),
        "{}",
        page.body
    );
}

/// The adviser's day, scripts off: Aujourd'hui shows a due follow-up, the search finds
/// « Benoît » for « benoit », the file takes a contact with a next action, which shows
/// in the timeline and on Aujourd'hui on its day; the person moves to accompagnement,
/// then the pathway closes with a business created.
#[tokio::test]
async fn the_advisers_day_through_plain_forms() {
    let app = TestApp::start().await;
    let adviser = app.adviser().await;
    let api = app.login(&adviser).await;
    let benoit = api_holder(
        &app,
        &api,
        json!({"first_name": "Benoît", "last_name": "Rousseau", "birth_date": "1990-05-04", "stage": "information"}),
    )
    .await;
    let awa = api_holder(
        &app,
        &api,
        json!({"first_name": "Awa", "last_name": "Diallo"}),
    )
    .await;
    let logged = api
        .post(app.url(&format!("/api/v1/holders/{awa}/contacts")))
        .json(&json!({"kind": "telephone", "next_action": "Rappeler Awa", "next_action_due": "2026-11-02"}))
        .send()
        .await
        .unwrap();
    assert_eq!(logged.status(), 201);

    let browser = Browser::new(&app);
    let today = browser.sign_in(&adviser).await;
    assert!(today.body.contains("<h1>Aujourd'hui</h1>"));
    assert!(
        today.body.contains("lundi 2 novembre 2026"),
        "the day in French"
    );
    assert!(today.body.contains("Rappeler Awa"));
    assert!(today.body.contains(&format!("href=\"/personnes/{awa}\"")));

    let found = browser.get("/personnes?q=benoit").await;
    assert_eq!(found.status, 200);
    assert!(found.body.contains("ROUSSEAU Benoît"), "{}", found.body);
    assert!(found.body.contains("1 personne"));
    assert!(!found.body.contains("DIALLO"));
    let all = browser.get("/personnes").await;
    assert!(all.body.contains("2 personnes"));

    let file = browser.get(&format!("/personnes/{benoit}")).await;
    assert_eq!(file.status, 200);
    assert!(
        file.body
            .contains("<title>Benoît Rousseau — Parcours</title>")
    );
    assert!(file.body.contains("aria-current=\"step\">Information"));
    let token = file.csrf();

    let contact = browser
        .post(
            &format!("/personnes/{benoit}/contacts"),
            &[
                ("_csrf", &token),
                ("kind", "entretien"),
                ("occurred_at", "2026-11-02"),
                ("duration_minutes", "45"),
                ("topics", "financement"),
                ("topics", "idee"),
                ("notes", "Premier rendez-vous"),
                ("next_action", "Envoyer le dossier de prêt"),
                ("next_action_due", "2026-11-04"),
            ],
        )
        .await;
    assert_eq!(contact.status, 303, "{}", contact.body);
    let file = browser.get(&contact.location).await;
    assert!(file.body.contains("Contact enregistré."));
    assert!(file.body.contains("Contact : entretien"));
    assert!(
        file.body.contains("Sujets : Idée, Financement")
            || file.body.contains("Sujets : Financement, Idée")
    );
    assert!(file.body.contains(
        "Prochaine action : Envoyer le dossier de prêt (pour le mercredi 4 novembre 2026)"
    ));
    assert!(
        !browser
            .get("/")
            .await
            .body
            .contains("Envoyer le dossier de prêt"),
        "not due yet"
    );
    app.clock.advance(Duration::days(2));
    let browser = Browser::new(&app);
    let today = browser.sign_in(&adviser).await;
    assert!(
        today.body.contains("Envoyer le dossier de prêt"),
        "due on its day"
    );

    let file = browser.get(&format!("/personnes/{benoit}")).await;
    let token = file.csrf();
    let moved = browser
        .post(
            &format!("/personnes/{benoit}/etape"),
            &[("_csrf", &token), ("to", "accompagnement"), ("reason", "")],
        )
        .await;
    assert_eq!(moved.status, 303, "{}", moved.body);
    let file = browser.get(&moved.location).await;
    assert!(file.body.contains("aria-current=\"step\">Accompagnement"));
    assert!(
        file.body
            .contains("Passage de information à accompagnement")
    );

    // Closing with a business created needs its SIRET: refused, the typed values kept.
    let refused = browser
        .post(
            &format!("/personnes/{benoit}/cloture"),
            &[
                ("_csrf", &token),
                ("outcome", "entreprise_creee"),
                ("siret", "123"),
            ],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("class=\"summary\""));
    assert!(refused.body.contains("href=\"#champ-siret\""));
    assert!(refused.body.contains("value=\"123\""));
    assert!(refused.body.contains("<details id=\"cloture\" open>"));
    let closed = browser
        .post(
            &format!("/personnes/{benoit}/cloture"),
            &[
                ("_csrf", &token),
                ("outcome", "entreprise_creee"),
                ("siret", "732 829 320 00074"),
                ("created_on", "2026-11-03"),
                ("legal_form", "sasu"),
            ],
        )
        .await;
    assert_eq!(closed.status, 303, "{}", closed.body);
    let file = browser.get(&closed.location).await;
    assert!(
        file.body.contains("Parcours clôturé : Entreprise créée"),
        "{}",
        file.body
    );
    assert!(file.body.contains("Rouvrir le parcours"));

    // Every page that showed the file wrote its audit entry.
    let reads = audit::for_holder(app.db.conn(), benoit)
        .await
        .unwrap()
        .iter()
        .filter(|e| e.action == "holder.read")
        .count();
    assert!(reads >= 5, "{reads} reads audited");
}

#[tokio::test]
async fn a_form_without_this_sessions_token_changes_nothing() {
    let app = TestApp::start().await;
    let adviser = app.adviser().await;
    let api = app.login(&adviser).await;
    let id = api_holder(
        &app,
        &api,
        json!({"first_name": "Awa", "last_name": "Diallo"}),
    )
    .await;
    let browser = Browser::new(&app);
    browser.sign_in(&adviser).await;
    let other = Browser::new(&app);
    let others_token = other.sign_in(&adviser).await.csrf();
    let own_token = browser.get(&format!("/personnes/{id}")).await.csrf();
    assert_ne!(own_token, others_token, "a token is bound to its session");
    let path = format!("/personnes/{id}/contacts");
    let contact = [("kind", "entretien")];
    let with = |token: &str| {
        let mut form = vec![("_csrf", token.to_owned())];
        form.extend(contact.iter().map(|(k, v)| (*k, (*v).to_owned())));
        form
    };
    let as_refs =
        |form: &Vec<(&'static str, String)>| -> Vec<(&'static str, String)> { form.clone() };
    for (case, form) in [
        (
            "no token",
            contact
                .iter()
                .map(|(k, v)| (*k, (*v).to_owned()))
                .collect::<Vec<_>>(),
        ),
        ("another session's token", with(&others_token)),
        ("a made-up token", with("AAAA")),
    ] {
        let form = as_refs(&form);
        let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let answer = browser.post(&path, &pairs).await;
        assert_eq!(answer.status, 403, "{case}");
        assert!(answer.body.contains("Formulaire refusé"), "{case}");
    }
    let from_elsewhere = browser
        .post_from(
            &path,
            "https://evil.example",
            &[("_csrf", &own_token), ("kind", "entretien")],
        )
        .await;
    assert_eq!(from_elsewhere.status, 403);
    assert!(
        from_elsewhere.body.contains("Formulaire refusé"),
        "a page, not JSON"
    );
    let contacts: Value = api
        .get(app.url(&format!("/api/v1/holders/{id}/contacts")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        contacts["items"].as_array().unwrap().len(),
        0,
        "nothing was written"
    );
    // The right token from this site goes through.
    let ok = browser
        .post(&path, &[("_csrf", &own_token), ("kind", "entretien")])
        .await;
    assert_eq!(ok.status, 303);
}

#[tokio::test]
async fn another_organisations_person_is_a_404_page_and_a_partner_reads_only() {
    let app = TestApp::start().await;
    let referent = app.adviser().await;
    let adie = app.organisation("ADIE Test", OrganisationKind::Adie).await;
    let partner = app.user(adie, Role::Adviser).await;
    let api = app.login(&referent).await;
    let id = api_holder(
        &app,
        &api,
        json!({"first_name": "Awa", "last_name": "Diallo", "phone": "0612345678"}),
    )
    .await;
    let browser = Browser::new(&app);
    browser.sign_in(&partner).await;
    let hidden = browser.get(&format!("/personnes/{id}")).await;
    assert_eq!(hidden.status, 404);
    assert!(hidden.body.contains("<h1>Page introuvable</h1>"));
    assert!(!hidden.body.contains("Diallo"));
    assert_eq!(browser.get("/personnes/abc").await.status, 404);
    assert_eq!(browser.get("/nulle-part").await.status, 404);
    let form_address = browser.get(&format!("/personnes/{id}/etape")).await;
    assert_eq!(form_address.status, 405);
    assert!(
        form_address
            .body
            .contains("ne s&#39;ouvre pas comme une page")
    );

    // Referred with consent, then accepted from Aujourd'hui: the file, read-only.
    for (path, body) in [
        (
            format!("/api/v1/holders/{id}/consents"),
            json!({"purpose": "partage_partenaires", "given": true}),
        ),
        (
            "/api/v1/referrals".to_owned(),
            json!({"holder_id": id, "to_organisation_id": adie, "need": "Microcrédit"}),
        ),
    ] {
        let response = api.post(app.url(&path)).json(&body).send().await.unwrap();
        assert_eq!(response.status(), 201, "{path}");
    }
    let today = browser.get("/").await;
    assert!(
        today
            .body
            .contains("Orientations en attente de notre réponse")
    );
    assert!(today.body.contains("Awa Diallo"), "{}", today.body);
    let accept = today
        .body
        .split("action=\"")
        .skip(1)
        .map(|s| &s[..s.find('"').unwrap()])
        .find(|a| a.ends_with("/accepter"))
        .unwrap()
        .to_owned();
    let accepted = browser.post(&accept, &[("_csrf", &today.csrf())]).await;
    assert_eq!(accepted.status, 303);
    assert!(accepted.location.starts_with(&format!("/personnes/{id}?")));
    let file = browser.get(&accepted.location).await;
    assert_eq!(file.status, 200);
    assert!(file.body.contains("Fiche en lecture seule"));
    assert!(file.body.contains("Noter un contact"));
    assert!(!file.body.contains("Changer d'étape"));
    assert!(!file.body.contains("Clôturer le parcours"));
    let token = file.csrf();
    let moved = browser
        .post(
            &format!("/personnes/{id}/etape"),
            &[("_csrf", &token), ("to", "accompagnement")],
        )
        .await;
    assert_eq!(moved.status, 403);
    let logged = browser
        .post(
            &format!("/personnes/{id}/contacts"),
            &[("_csrf", &token), ("kind", "telephone")],
        )
        .await;
    assert_eq!(logged.status, 303);
}

#[tokio::test]
async fn registering_keeps_what_was_typed_and_names_each_error() {
    let app = TestApp::start().await;
    let adviser = app.adviser().await;
    let browser = Browser::new(&app);
    browser.sign_in(&adviser).await;
    let form = browser.get("/personnes/nouvelle").await;
    assert_eq!(form.status, 200);
    let token = form.csrf();
    let refused = browser
        .post(
            "/personnes/nouvelle",
            &[
                ("_csrf", &token),
                ("first_name", "Aïssata"),
                ("last_name", ""),
                ("birth_date", "2030-01-01"),
                ("phone", "12"),
                ("qpv_status", "in_qpv"),
                ("qpv", "ZZZZ introuvable"),
            ],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(
        refused.body.contains("Il y a 4 erreurs"),
        "{}",
        refused.body
    );
    let summary = &refused.body[refused.body.find("class=\"summary\"").unwrap()..];
    let order: Vec<usize> = [
        "#champ-last_name",
        "#champ-birth_date",
        "#champ-phone",
        "#champ-qpv",
    ]
    .iter()
    .map(|a| {
        summary
            .find(a)
            .unwrap_or_else(|| panic!("{a} in the summary"))
    })
    .collect();
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "errors in the form's order"
    );
    assert!(refused.body.contains("value=\"Aïssata\""));
    assert!(refused.body.contains("aria-describedby=\"erreur-phone\""));
    let created = browser
        .post(
            "/personnes/nouvelle",
            &[
                ("_csrf", &token),
                ("first_name", "Aïssata"),
                ("last_name", "Koné"),
                ("phone", "06 12 34 56 78"),
                ("qpv_status", "unknown"),
                ("stage", "sensibilisation"),
            ],
        )
        .await;
    assert_eq!(created.status, 303, "{}", created.body);
    let file = browser.get(&created.location).await;
    assert!(file.body.contains("<h1>Aïssata Koné</h1>"));
    assert!(file.body.contains("+33612345678"));
    assert!(file.body.contains("aria-current=\"step\">Sensibilisation"));
    let first = created.location.split('?').next().unwrap().to_owned();

    // The same phone typed another way: the existing file is shown before saving.
    let again = [
        ("_csrf", token.as_str()),
        ("first_name", "Aissata"),
        ("last_name", "Kone"),
        ("phone", "+33 6 12 34 56 78"),
    ];
    let warned = browser.post("/personnes/nouvelle", &again).await;
    assert_eq!(warned.status, 200);
    assert!(
        warned
            .body
            .contains("Cette personne est peut-être déjà suivie")
    );
    assert!(warned.body.contains(&format!("href=\"{first}\"")));
    assert!(warned.body.contains("même téléphone"));
    assert!(warned.body.contains("Inscrire quand même"));
    assert!(
        warned.body.contains("value=\"Aissata\""),
        "what was typed is kept"
    );
    // Knowing it, the adviser may still register a namesake.
    let mut confirmed = again.to_vec();
    confirmed.push(("doublon_vu", "1"));
    let created = browser.post("/personnes/nouvelle", &confirmed).await;
    assert_eq!(created.status, 303);
    assert_ne!(created.location.split('?').next().unwrap(), first);
    // Same name and birth date, written without accents: also a possible duplicate.
    let born = browser
        .post(
            "/personnes/nouvelle",
            &[
                ("_csrf", token.as_str()),
                ("first_name", "Léa"),
                ("last_name", "Martin"),
                ("birth_date", "1990-05-04"),
            ],
        )
        .await;
    assert_eq!(born.status, 303);
    let twin = browser
        .post(
            "/personnes/nouvelle",
            &[
                ("_csrf", token.as_str()),
                ("first_name", "Lea"),
                ("last_name", "MARTIN"),
                ("birth_date", "1990-05-04"),
            ],
        )
        .await;
    assert!(
        twin.body.contains("même nom, né·e le 4 mai 1990"),
        "{}",
        twin.body
    );
}

#[tokio::test]
async fn pages_are_not_cached_and_assets_are_immutable_and_compressed() {
    let app = TestApp::start().await;
    let adviser = app.adviser().await;
    let browser = Browser::new(&app);
    let home = browser.sign_in(&adviser).await;
    assert_eq!(home.headers["cache-control"], "no-store");
    assert!(
        home.headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("script-src 'self'")
    );
    assert!(home.body.starts_with("<!doctype html>\n<html lang=\"fr\">"));
    let css = home.body.split("href=\"/static/").nth(1).unwrap();
    let css = format!("/static/{}", &css[..css.find('"').unwrap()]);
    let asset = reqwest::Client::new()
        .get(app.url(&css))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(asset.status(), 200);
    assert_eq!(
        asset.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(asset.headers()["content-encoding"], "gzip");
    assert_eq!(
        browser.get("/static/app.000000000000.css").await.status,
        404
    );
}

#[tokio::test]
async fn changing_ones_password_closes_the_other_sessions() {
    let app = TestApp::start().await;
    let adviser = app.adviser().await;
    let browser = Browser::new(&app);
    let elsewhere = Browser::new(&app);
    elsewhere.sign_in(&adviser).await;
    browser.sign_in(&adviser).await;
    let form = browser.get("/mot-de-passe").await;
    let token = form.csrf();
    let refused = browser
        .post(
            "/mot-de-passe",
            &[
                ("_csrf", &token),
                ("current", "faux"),
                ("new", "court"),
                ("confirmation", "autre"),
            ],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("href=\"#champ-new\""));
    let changed = browser
        .post(
            "/mot-de-passe",
            &[
                ("_csrf", &token),
                ("current", PASSWORD),
                ("new", "une phrase de passe nouvelle"),
                ("confirmation", "une phrase de passe nouvelle"),
            ],
        )
        .await;
    assert_eq!(changed.status, 303, "{}", changed.body);
    assert_eq!(
        browser.get("/").await.status,
        200,
        "this browser stays signed in"
    );
    assert_eq!(
        elsewhere.get("/").await.status,
        303,
        "the others are signed out"
    );
}

/// An edit that meets a change saved meanwhile by someone else overwrites nothing: the
/// form comes back with what was typed and what the other person changed; sending it
/// again then saves it knowingly.
#[tokio::test]
async fn an_edit_never_silently_overwrites_a_change_made_meanwhile() {
    let app = TestApp::start().await;
    let adviser = app.adviser().await;
    let colleague = app.user(adviser.organisation_id, Role::Adviser).await;
    let api = app.login(&colleague).await;
    let id = api_holder(
        &app,
        &api,
        json!({"first_name": "Awa", "last_name": "Diallo", "phone": "0612345678"}),
    )
    .await;
    let browser = Browser::new(&app);
    browser.sign_in(&adviser).await;
    let form = browser.get(&format!("/personnes/{id}/modifier")).await;
    assert_eq!(form.status, 200);
    assert!(form.body.contains("value=\"Awa\""));
    let token = form.csrf();
    let version = form.hidden("version");
    let edit = |phone: &'static str, version: String| {
        vec![
            ("_csrf", token.clone()),
            ("version", version),
            ("avant_first_name", "Awa".to_owned()),
            ("avant_last_name", "Diallo".to_owned()),
            ("avant_phone", "+33612345678".to_owned()),
            ("avant_email", String::new()),
            ("first_name", "Awa".to_owned()),
            ("last_name", "Diallo-Traoré".to_owned()),
            ("phone", phone.to_owned()),
            ("qpv_status", "unknown".to_owned()),
        ]
    };
    // Meanwhile, the colleague records her new e-mail address.
    let patched = api
        .patch(app.url(&format!("/api/v1/holders/{id}")))
        .header("if-match", "*")
        .header("content-type", "application/merge-patch+json")
        .body(r#"{"email": "awa@exemple.test"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), 200);
    let pairs = edit("07 00 00 00 01", version);
    let refs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let conflict = browser
        .post(&format!("/personnes/{id}/modifier"), &refs)
        .await;
    assert_eq!(conflict.status, 409);
    assert!(conflict.body.contains("Quelqu'un a modifié cette fiche"));
    assert!(
        conflict
            .body
            .contains("Adresse électronique : <strong>awa@exemple.test</strong>"),
        "{}",
        conflict.body
    );
    assert!(
        conflict.body.contains("value=\"Diallo-Traoré\""),
        "what was typed is kept"
    );
    assert!(conflict.body.contains("value=\"07 00 00 00 01\""));
    let file: Value = api
        .get(app.url(&format!("/api/v1/holders/{id}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(file["last_name"], "Diallo", "nothing overwritten");
    // Sent again from the page as it came back (based on the new version): saved.
    let new_version = conflict.hidden("version");
    let mut pairs = edit("07 00 00 00 01", new_version);
    pairs.push(("email", "awa@exemple.test".to_owned()));
    for (name, value) in &mut pairs {
        if *name == "avant_email" {
            *value = "awa@exemple.test".to_owned();
        }
    }
    let refs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let saved = browser
        .post(&format!("/personnes/{id}/modifier"), &refs)
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let file: Value = api
        .get(app.url(&format!("/api/v1/holders/{id}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(file["last_name"], "Diallo-Traoré");
    assert_eq!(file["email"], "awa@exemple.test");
    assert_eq!(file["phone"], "+33700000001");

    // A partner never gets the edit form.
    let adie = app.organisation("ADIE Test", OrganisationKind::Adie).await;
    let partner = app.user(adie, Role::Adviser).await;
    let other = Browser::new(&app);
    other.sign_in(&partner).await;
    assert_eq!(
        other.get(&format!("/personnes/{id}/modifier")).await.status,
        404
    );
}

#[tokio::test]
async fn the_caseload_shows_who_has_had_no_contact_for_60_days() {
    let app = TestApp::start().await;
    let adviser = app.adviser().await;
    let api = app.login(&adviser).await;
    let mut ids = Vec::new();
    for name in ["Ancien", "Jamais", "Récent", "Clos"] {
        ids.push(api_holder(&app, &api, json!({"first_name": name, "last_name": "Test"})).await);
    }
    let contact = |id: i64| {
        let api = api.clone();
        let url = app.url(&format!("/api/v1/holders/{id}/contacts"));
        async move {
            let response = api
                .post(url)
                .json(&json!({"kind": "telephone"}))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 201);
        }
    };
    contact(ids[0]).await;
    app.clock.advance(Duration::days(61));
    let api = app.login(&adviser).await;
    let recent = api
        .post(app.url(&format!("/api/v1/holders/{}/contacts", ids[2])))
        .json(&json!({"kind": "entretien"}))
        .send()
        .await
        .unwrap();
    assert_eq!(recent.status(), 201);
    let closed = api
        .post(app.url(&format!("/api/v1/holders/{}/close", ids[3])))
        .json(&json!({"outcome": "abandon"}))
        .send()
        .await
        .unwrap();
    assert_eq!(closed.status(), 200);
    let browser = Browser::new(&app);
    browser.sign_in(&adviser).await;
    let quiet = browser.get("/personnes?sans_contact=1").await;
    assert_eq!(quiet.status, 200);
    assert!(quiet.body.contains("2 personnes"), "{}", quiet.body);
    assert!(quiet.body.contains("TEST Ancien") && quiet.body.contains("TEST Jamais"));
    assert!(!quiet.body.contains("TEST Récent") && !quiet.body.contains("TEST Clos"));
    assert!(
        quiet
            .body
            .contains("name=\"sans_contact\" value=\"1\" checked")
    );
    assert!(browser.get("/personnes").await.body.contains("4 personnes"));
}

#[tokio::test]
async fn consents_are_recorded_from_the_file() {
    let app = TestApp::start().await;
    let adviser = app.adviser().await;
    let api = app.login(&adviser).await;
    let id = api_holder(
        &app,
        &api,
        json!({"first_name": "Awa", "last_name": "Diallo"}),
    )
    .await;
    let browser = Browser::new(&app);
    browser.sign_in(&adviser).await;
    let file = browser.get(&format!("/personnes/{id}")).await;
    assert_eq!(file.body.matches("non recueilli").count(), 3);
    let token = file.csrf();
    let path = format!("/personnes/{id}/consentements");
    let given = browser
        .post(
            &path,
            &[
                ("_csrf", &token),
                ("purpose", "partage_partenaires"),
                ("given", "oui"),
            ],
        )
        .await;
    assert_eq!(given.status, 303);
    let file = browser.get(&given.location).await;
    assert!(file.body.contains("Consentement enregistré."));
    assert!(
        file.body
            .contains("Partage avec les partenaires</span> : <strong>donné</strong>")
    );
    assert!(file.body.contains("Noter : retiré"));
    let bad = browser
        .post(
            &path,
            &[("_csrf", &token), ("purpose", "inconnu"), ("given", "oui")],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("Il y a 1 erreur"));
    let state: Value = api
        .get(app.url(&format!("/api/v1/holders/{id}/consents")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(state["current"].as_array().unwrap().len(), 1, "{state}");
}

#[tokio::test]
async fn a_coordinator_sees_no_one_on_the_pages() {
    let app = TestApp::start().await;
    let org = app
        .organisation("Agglomération Test", OrganisationKind::Collectivite)
        .await;
    let coordinator = app.user(org, Role::Coordinator).await;
    let browser = Browser::new(&app);
    let home = browser.sign_in(&coordinator).await;
    assert_eq!(home.status, 200);
    assert!(home.body.contains("ne donne pas accès aux fiches"));
    assert!(
        !home.body.contains("href=\"/personnes\""),
        "no Personnes in the menu"
    );
    let list = browser.get("/personnes").await;
    assert_eq!(list.status, 403);
    assert!(list.body.contains("<h1>Accès refusé</h1>"));
}

/// Referrals between partners on the pages: the receiver finds it in « Orientations
/// reçues » (what is shared only, until accepted), accepts and completes it; the sender
/// sees it in « envoyées » with its history; the e-mail links to its page; a third
/// organisation gets the 404 page.
#[tokio::test]
async fn referrals_are_answered_and_followed_on_their_pages() {
    let app = TestApp::start().await;
    let referent = app.adviser().await;
    let adie = app.organisation("ADIE Test", OrganisationKind::Adie).await;
    let partner = app.user(adie, Role::Adviser).await;
    let api = app.login(&referent).await;
    let id = api_holder(
        &app,
        &api,
        json!({"first_name": "Awa", "last_name": "Diallo", "phone": "0612345678"}),
    )
    .await;
    let consent = api
        .post(app.url(&format!("/api/v1/holders/{id}/consents")))
        .json(&json!({"purpose": "partage_partenaires", "given": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(consent.status(), 201);
    let sent = api
        .post(app.url("/api/v1/referrals"))
        .json(&json!({"holder_id": id, "to_organisation_id": adie, "need": "Microcrédit"}))
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 201);
    let referral = sent.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    app.deliver_mail().await;
    let mail = app.smtp.received().await.into_iter().last().unwrap();
    let link = format!("/orientations/{referral}");
    assert!(mail.data.contains(&link), "the e-mail links to the page");

    // The e-mail's link, followed without a session: sign in, then the referral.
    let receiver = Browser::new(&app);
    let asked = receiver.get(&link).await;
    assert_eq!(asked.location, format!("/connexion?suite={link}"));
    let page = receiver.sign_in(&partner).await;
    assert!(page.body.contains("Awa Diallo"));
    let page = receiver.get(&link).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("En attente de réponse"));
    assert!(page.body.contains("Microcrédit"));
    assert!(
        !page.body.contains(&format!("href=\"/personnes/{id}\"")),
        "no file before accepting"
    );
    let inbox = receiver.get("/orientations").await;
    assert!(inbox.body.contains("Orientations reçues"));
    assert!(inbox.body.contains("réponse attendue avant le"));
    // A second one, sent later: waiting ones list the longest waiting first.
    let second = api_holder(
        &app,
        &api,
        json!({"first_name": "Binta", "last_name": "Sow", "phone": "0622334455"}),
    )
    .await;
    api.post(app.url(&format!("/api/v1/holders/{second}/consents")))
        .json(&json!({"purpose": "partage_partenaires", "given": true}))
        .send()
        .await
        .unwrap();
    let later = api
        .post(app.url("/api/v1/referrals"))
        .json(&json!({"holder_id": second, "to_organisation_id": adie, "need": "Local"}))
        .send()
        .await
        .unwrap();
    assert_eq!(later.status(), 201);
    let waiting = receiver.get("/orientations?statut=sent").await;
    assert!(
        waiting.body.contains("les plus anciennes d&#39;abord")
            || waiting.body.contains("les plus anciennes d'abord")
    );
    let (awa, binta) = (
        waiting.body.find("Awa Diallo").unwrap(),
        waiting.body.find("Binta Sow").unwrap(),
    );
    assert!(awa < binta, "the longest waiting first");
    let all = receiver.get("/orientations").await;
    assert!(all.body.find("Binta Sow").unwrap() < all.body.find("Awa Diallo").unwrap());
    let accepted = receiver
        .post(&format!("{link}/accepter"), &[("_csrf", &page.csrf())])
        .await;
    assert_eq!(accepted.status, 303);
    let page = receiver.get(&link).await;
    assert!(page.body.contains(&format!("href=\"/personnes/{id}\"")));
    assert!(page.body.contains("Terminer l'orientation"));
    let refused = receiver
        .post(&format!("{link}/terminer"), &[("_csrf", &page.csrf())])
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("href=\"#champ-outcome\""));
    let done = receiver
        .post(
            &format!("{link}/terminer"),
            &[("_csrf", &page.csrf()), ("outcome", "finance")],
        )
        .await;
    assert_eq!(done.status, 303);
    let page = receiver.get(&done.location).await;
    assert!(page.body.contains("Orientation terminée"));
    assert!(page.body.contains("Terminée"));

    // The sender follows it: sent list, history, the outcome.
    let sender = Browser::new(&app);
    sender.sign_in(&referent).await;
    let outbox = sender.get("/orientations?boite=envoyees").await;
    assert!(outbox.body.contains("Orientations envoyées"));
    assert!(outbox.body.contains(&format!("href=\"{link}\"")));
    let page = sender.get(&link).await;
    for step in [
        "Orientation envoyée",
        "Orientation acceptée",
        "Orientation terminée",
    ] {
        assert!(page.body.contains(step), "{step}");
    }
    assert!(page.body.contains("Financé"), "the sender sees the outcome");
    assert!(
        !page.body.contains("Retirer l'orientation"),
        "ended: nothing to withdraw"
    );

    // Another organisation: the 404 page.
    let bge = app.organisation("BGE Test", OrganisationKind::Bge).await;
    let stranger = app.user(bge, Role::Adviser).await;
    let other = Browser::new(&app);
    other.sign_in(&stranger).await;
    assert_eq!(other.get(&link).await.status, 404);
}
