//! The account pages in a real browser, at full width and at 360 px, with axe: the
//! team and an invitation (with its errors), the invitation's link followed from the
//! e-mail, the forgotten-password form, a dead link, and the platform's administration
//! (organisations, territories, the QPV upload with line errors).

use super::{Browser, tools};
use crate::account_pages::link_in_mail;
use crate::support::TestApp;
use parcours_domain::organisations::OrganisationKind;
use parcours_domain::users::Role;

#[tokio::test]
async fn account_pages_in_a_browser() {
    let Some(tools) = tools() else { return };
    let app = TestApp::start().await;
    let org = app
        .organisation("CitésLab Navigateur", OrganisationKind::Citeslab)
        .await;
    let org_admin = app.user(org, Role::OrgAdmin).await;
    app.user(org, Role::Adviser).await;
    let platform_org = app
        .organisation("Plateforme", OrganisationKind::Autre)
        .await;
    let platform = app.user(platform_org, Role::Admin).await;

    let mut browser = Browser::open(&app, tools, "comptes").await;

    // Signed out: the forgotten password, and a link that does not work.
    browser.goto("/connexion").await;
    browser.click("a[href='/mot-de-passe-oublie']").await;
    browser
        .wait_for(
            "location.pathname === '/mot-de-passe-oublie'",
            "the reset form",
        )
        .await;
    browser.wait_for_text("Mot de passe oublié").await;
    browser.check("mot-de-passe-oublie").await;
    browser.fits_a_phone("mot-de-passe-oublie").await;
    browser.click("main form button[type=submit]").await;
    browser.wait_for_text("Il y a 1 erreur").await;
    browser.check("mot-de-passe-oublie-erreurs").await;
    browser
        .type_into("#champ-email", "quelquun@exemple.test")
        .await;
    browser.click("main form button[type=submit]").await;
    browser.wait_for_text("Si un compte actif correspond").await;
    browser.check("mot-de-passe-oublie-envoye").await;
    browser.goto("/invitation/lien-inconnu").await;
    browser.wait_for_text("Lien inutilisable").await;
    browser.check("lien-inutilisable").await;
    browser.fits_a_phone("lien-inutilisable").await;

    // The org admin's team, and an invitation.
    browser.goto("/connexion").await;
    browser.sign_in(&org_admin).await;
    browser.click("nav a[href='/equipe']").await;
    browser.wait_for_text("Inviter une personne").await;
    browser.check("equipe").await;
    browser.fits_a_phone("equipe").await;
    browser.click("main a[href='/equipe/inviter']").await;
    browser.wait_for_text("Envoyer l'invitation").await;
    browser.check("invitation").await;
    browser.fits_a_phone("invitation").await;
    browser.type_into("#champ-email", "pas une adresse").await;
    browser.click("main form button[type=submit]").await;
    browser.wait_for_text("Il y a 2 erreurs").await;
    browser.check("invitation-erreurs").await;
    browser.fits_a_phone("invitation-erreurs").await;
    browser.type_into("#champ-name", "Inès Nouvelle").await;
    browser.type_into("#champ-email", "ines@exemple.test").await;
    browser.click("main form button[type=submit]").await;
    browser.wait_for_text("Invitation envoyée").await;
    browser.check("equipe-invitation-envoyee").await;
    browser.fits_a_phone("equipe-invitation-envoyee").await;
    browser.click("header form button[type=submit]").await;
    browser.wait_for_text("Vous êtes déconnecté").await;

    // The person follows the link of the e-mail.
    app.deliver_mail().await;
    let link = link_in_mail(&app, "ines@exemple.test", "/invitation").await;
    browser.goto(&link).await;
    browser.wait_for_text("Activer votre compte").await;
    browser.check("activation").await;
    browser.fits_a_phone("activation").await;
    browser.type_into("#champ-new", "court").await;
    browser.click("main form button[type=submit]").await;
    browser.wait_for_text("Il y a").await;
    browser.check("activation-erreurs").await;
    browser
        .type_into("#champ-new", "une phrase de passe solide")
        .await;
    browser
        .type_into("#champ-confirmation", "une phrase de passe solide")
        .await;
    browser.click("main form button[type=submit]").await;
    browser.wait_for_text("Votre compte est activé").await;
    browser.click("header form button[type=submit]").await;
    browser.wait_for_text("Vous êtes déconnecté").await;

    // The platform's administration.
    browser.sign_in(&platform).await;
    browser.click("nav a[href='/admin']").await;
    browser.wait_for_text("Quartiers prioritaires").await;
    browser.check("administration").await;
    browser.fits_a_phone("administration").await;
    browser.goto("/admin/organisations/nouvelle").await;
    browser.wait_for_text("Nouvelle structure").await;
    browser.check("structure-nouvelle").await;
    browser.click("main form button[type=submit]").await;
    browser.wait_for_text("Il y a 3 erreurs").await;
    browser.check("structure-nouvelle-erreurs").await;
    browser.fits_a_phone("structure-nouvelle-erreurs").await;
    browser.type_into("#champ-name", "BGE du Navigateur").await;
    browser
        .js(
            "document.querySelector('#champ-organisation_kind').value = 'bge'; \
             document.querySelector('#champ-territory').selectedIndex = 1;",
            vec![],
        )
        .await;
    browser.click("main form button[type=submit]").await;
    browser.wait_for_text("Structure créée.").await;
    browser.check("structures").await;
    browser.fits_a_phone("structures").await;
    browser.goto("/admin/territoires").await;
    browser
        .wait_for_text("Ajouter ou compléter un territoire")
        .await;
    browser
        .type_into("#champ-communes", "930 Saint-Denis")
        .await;
    browser.click("main form button[type=submit]").await;
    browser.wait_for_text("Il y a").await;
    browser.check("territoires-erreurs").await;
    browser.fits_a_phone("territoires-erreurs").await;
    browser.goto("/admin/qpv").await;
    browser.wait_for_text("Fichier CSV de l'ANCT").await;
    browser.check("qpv").await;
    browser.fits_a_phone("qpv").await;
    let file = std::env::temp_dir().join(format!("qpv-{}.csv", std::process::id()));
    std::fs::write(
        &file,
        "code_qp;lib_qp;insee_com;lib_com\nQN00101A;Les Tilleuls;00101;Villetest\nXX1;Le Moulin;00101;Villetest\n",
    )
    .unwrap();
    browser
        .find("#champ-file")
        .await
        .send_keys(&file.display().to_string())
        .await
        .unwrap();
    browser.click("main form button[type=submit]").await;
    browser.wait_for_text("ligne 3").await;
    browser.check("qpv-erreurs").await;
    browser.fits_a_phone("qpv-erreurs").await;
    let _ = std::fs::remove_file(&file);
    browser.finish().await;
}
