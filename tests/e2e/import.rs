//! Bringing an organisation's caseload in from its spreadsheet: the messy file as it
//! really is, the exact report, a dry run and an all-or-nothing run that write nothing,
//! a second import that creates nobody twice, Windows-1252 and both separators; and the
//! `parcours holders import` command on the real binary.

use crate::binary::parcours;
use crate::support::{TestApp, TestDb, TestUser, password_hash, t0};
use chrono::NaiveDate;
use parcours_core::holders::{
    self, HolderInput, ImportMapping, ImportOptions, ImportOutcome, ImportReport,
};
use parcours_domain::holders::{EducationLevel, Gender, Situation};
use parcours_domain::organisations::OrganisationKind;
use parcours_domain::pathway::Stage;
use parcours_domain::users::{DisplayName, Email, Role};
use parcours_persistence::holders::{Holder, HolderQuery};
use parcours_persistence::table::{read_any, read_csv};
use parcours_persistence::{
    ConnectionTrait, Db, Statement, organisations, qpv, territories, users,
};

/// An organisation with its adviser Léa Martin, the quartier « Les Tilleuls » in the
/// reference list, and one person already followed (phone 06 11 22 33 44).
struct Org {
    app: TestApp,
    admin: TestUser,
    lea: i64,
    existing: i64,
}

async fn org() -> Org {
    let app = TestApp::start().await;
    let admin = app.adviser().await;
    let lea = users::create(
        app.db.conn(),
        &users::NewUser {
            organisation_id: admin.organisation_id,
            email: &Email::parse("lea.martin@citeslab.test").unwrap(),
            display_name: &DisplayName::parse("Léa Martin").unwrap(),
            role: Role::Adviser,
            password_hash: password_hash(),
        },
        t0(),
    )
    .await
    .unwrap()
    .id;
    qpv::upsert_all(
        app.db.conn(),
        &[qpv::QpvRecord {
            code: "QN00101A".into(),
            name: "Les Tilleuls".into(),
            communes: vec![("00101".into(), "Villetest".into())],
        }],
        t0(),
    )
    .await
    .unwrap();
    let existing = holders::register(
        &app.state.core,
        &admin.actor(),
        HolderInput {
            first_name: Some("Déjà".into()),
            last_name: Some("Suivie".into()),
            phone: Some("06 11 22 33 44".into()),
            ..Default::default()
        },
        t0(),
    )
    .await
    .unwrap()
    .holder
    .id;
    Org {
        app,
        admin,
        lea,
        existing,
    }
}

/// A spreadsheet as advisers keep them: a title above the header, trailing empty
/// columns, an unknown column, every kind of bad cell, a person already followed and
/// blank lines (lines keep their number in the file).
const MESSY: &str = "\u{feff}Suivi des porteurs 2024;;;\r\n\
;;;\r\n\
Nom;Prénom;Date de naissance;Sexe;Tél.;Courriel;CP;Code INSEE;QPV;Situation;Niveau de formation;Date d'entrée;Étape;Référent;Pointure;Observations;;\r\n\
Dupont;Ana;12/03/1994;F;06 12 34 56 78;ana@exemple.test;60100;00101;Les Tilleuls;RSA;bac+2;15/01/2024;Accompagnement;Léa Martin;38;vue au forum;;\r\n\
BENALI;Karim;12-03-94;M;612345679;;;;QN00101A;demandeur d'emploi;CAP;2024-02-01;information;lea.martin@citeslab.test;;;;\r\n\
Martin;Zoé;31/02/1990;Madame;;;;;;;;;;;;;;\r\n\
Petit;Luc;01/01/1980;H;12 34;;;;;;;;;;;;;\r\n\
Roux;Inès;;F;;;;;;retraitée;;;;;;;;\r\n\
\r\n\
;Sans Nom;;;;;;;;;;;;;;;;\r\n\
Suivie;Déjà;;F;06 11 22 33 44;;;;;;;;;;;;;\r\n\
;;;;;;;;;;;;;;;;;\r\n";

async fn run(org: &Org, file: &[u8], options: ImportOptions) -> ImportReport {
    holders::import(
        &org.app.state.core,
        &org.admin.actor(),
        &read_csv(file).unwrap(),
        options,
        t0(),
    )
    .await
    .unwrap()
}

pub(crate) async fn count(db: &Db, table: &str) -> i64 {
    let row = db
        .conn()
        .query_one_raw(Statement::from_string(
            db.backend(),
            format!("SELECT COUNT(*) AS n FROM {table}"),
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i64>("", "n").unwrap()
}

/// The days of the steps of a person's pathway, as their file shows them.
async fn step_days(org: &Org, id: i64) -> Vec<NaiveDate> {
    parcours_core::holders::dossier(
        &org.app.state.core,
        &org.admin.actor(),
        id,
        &Default::default(),
        t0(),
    )
    .await
    .unwrap()
    .steps
    .iter()
    .map(|s| s.occurred_at.date_naive())
    .collect()
}

async fn counts(db: &Db) -> [i64; 3] {
    [
        count(db, "holders").await,
        count(db, "pathway_events").await,
        count(db, "audit_entries").await,
    ]
}

async fn people(org: &Org) -> Vec<Holder> {
    parcours_persistence::holders::list(
        org.app.db.conn(),
        &HolderQuery {
            organisation_id: org.admin.organisation_id,
            q: None,
            stage: None,
            qpv_code: None,
            referent_user_id: None,
            no_contact_since: None,
            after: None,
            limit: 100,
        },
    )
    .await
    .unwrap()
    .0
}

fn reasons(report: &ImportReport) -> Vec<(u64, ImportOutcome, String)> {
    report
        .details
        .iter()
        .map(|d| (d.line, d.outcome, d.reasons.join(" | ")))
        .collect()
}

const SKIP: ImportOptions = ImportOptions {
    dry_run: false,
    skip_invalid: true,
    mapping: ImportMapping::NONE,
    file_name: String::new(),
};

#[tokio::test(flavor = "multi_thread")]
async fn a_messy_file_gives_the_exact_report_and_a_dry_run_writes_nothing() {
    let org = org().await;
    let before = counts(&org.app.db).await;
    let dry = run(
        &org,
        MESSY.as_bytes(),
        ImportOptions {
            dry_run: true,
            skip_invalid: true,
            ..ImportOptions::default()
        },
    )
    .await;
    assert_eq!(
        counts(&org.app.db).await,
        before,
        "a dry run writes nothing"
    );
    assert!(!dry.written);
    assert_eq!(
        (dry.lines, dry.created, dry.possible_duplicates, dry.refused),
        (7, 2, 1, 4)
    );
    assert_eq!(dry.unknown_columns, ["Pointure"]);
    assert_eq!(dry.set_aside_columns(), ["Observations"]);
    let phone = "numéro de téléphone invalide : 10 chiffres commençant par 0 (01 23 45 67 89) ou +33 suivi de 9 chiffres";
    let expected = vec![
        (
            6,
            ImportOutcome::Refused,
            "Date de naissance : « 31/02/1990 » n'est pas une date (attendu : JJ/MM/AAAA)"
                .to_owned(),
        ),
        (
            7,
            ImportOutcome::Refused,
            format!("Tél. : « 12 34 » : {phone}"),
        ),
        (
            8,
            ImportOutcome::Refused,
            "Situation : situation inconnue « retraitée » (attendu : Demandeur ou demandeuse d'emploi, Bénéficiaire du RSA, Bénéficiaire de l'ASS, Jeune sans emploi, Salarié ou salariée, Étudiant ou étudiante, Autre)".to_owned(),
        ),
        (10, ImportOutcome::Refused, "Nom : obligatoire".to_owned()),
        (
            11,
            ImportOutcome::PossibleDuplicate,
            format!(
                "doublon possible : même téléphone que la personne n° {} déjà suivie ; rien n'a été créé, vérifiez sa fiche",
                org.existing
            ),
        ),
    ];
    assert_eq!(reasons(&dry), expected);
    assert_eq!(dry.details[0].cells[..2], ["Martin", "Zoé"]);

    // The same file for real, keeping the valid lines: the dry run said exactly this.
    let real = run(&org, MESSY.as_bytes(), SKIP).await;
    assert!(real.written);
    assert_eq!(
        (real.created, real.possible_duplicates, real.refused),
        (2, 1, 4)
    );
    assert_eq!(reasons(&real), expected);
    let found = people(&org).await;
    assert_eq!(found.len(), 3);
    let ana = found.iter().find(|h| h.first_name == "Ana").unwrap();
    assert_eq!(ana.birth_date, NaiveDate::from_ymd_opt(1994, 3, 12));
    assert_eq!(ana.gender, Some(Gender::Femme));
    assert_eq!(ana.phone.as_deref(), Some("+33612345678"));
    assert_eq!(ana.email.as_deref(), Some("ana@exemple.test"));
    assert_eq!(ana.qpv_code.as_deref(), Some("QN00101A"));
    assert_eq!(ana.situation, Some(Situation::Rsa));
    assert_eq!(ana.education_level, Some(EducationLevel::Niveau5));
    assert_eq!(ana.stage, Stage::Accompagnement);
    assert_eq!(ana.referent_user_id, Some(org.lea));
    assert_eq!(
        ana.stage_entered_at.date_naive(),
        NaiveDate::from_ymd_opt(2024, 1, 15).unwrap()
    );
    let karim = found.iter().find(|h| h.first_name == "Karim").unwrap();
    assert_eq!(karim.last_name, "BENALI");
    assert_eq!(karim.birth_date, NaiveDate::from_ymd_opt(1994, 3, 12));
    assert_eq!(karim.gender, Some(Gender::Homme));
    assert_eq!(karim.phone.as_deref(), Some("+33612345679"));
    assert_eq!(karim.situation, Some(Situation::DemandeurEmploi));
    assert_eq!(karim.education_level, Some(EducationLevel::Niveau3));
    assert_eq!(karim.referent_user_id, Some(org.lea));
    assert_eq!(karim.stage, Stage::Information);

    // The pathway starts at the entry date: its first step is dated the day she came.
    assert_eq!(
        step_days(&org, ana.id).await,
        [NaiveDate::from_ymd_opt(2024, 1, 15).unwrap()]
    );

    // Imported again: nobody is created twice. Ana and Karim are known as they are;
    // the line that gives Déjà Suivie a gender her file lacks stays for review.
    let after_first = counts(&org.app.db).await;
    let again = run(&org, MESSY.as_bytes(), SKIP).await;
    assert_eq!(
        (
            again.created,
            again.unchanged,
            again.possible_duplicates,
            again.refused
        ),
        (0, 2, 1, 4)
    );
    assert_eq!(reasons(&again), expected, "the same lines to look at");
    assert_eq!(counts(&org.app.db).await, after_first, "nothing written");

    // A line that differs from Ana's file is a possible duplicate, not a change.
    let moved =
        "Nom;Prénom;Date de naissance;Mail\nDupont;Ana;12/03/1994;ana.dupont@exemple.test\n";
    let moved = run(&org, moved.as_bytes(), SKIP).await;
    assert_eq!(
        (moved.created, moved.unchanged, moved.possible_duplicates),
        (0, 0, 1)
    );
    assert!(
        moved.details[0].reasons[0].contains(&format!(
            "même nom et date de naissance que la personne n° {}",
            ana.id
        )),
        "{:?}",
        moved.details[0].reasons
    );
}

/// A name of letters only for line `i` (names take no digits): 0 is « Baa ».
fn letters(i: usize) -> String {
    let mut name = String::from("B");
    for digit in format!("{i:03}").bytes() {
        name.push(char::from(b'a' + (digit - b'0')));
    }
    name
}

/// Two hundred lines, twenty of each kind: valid lines in three ways of typing dates,
/// phones, genders, situations and levels, and one with an e-mail; a bad date, a bad
/// phone, an unknown situation, no name; a person already followed; and a line that
/// repeats the e-mail of the line before. The report is exact line by line, the dry
/// run says what the real run does, and the same file again creates nothing.
#[tokio::test(flavor = "multi_thread")]
async fn two_hundred_messy_lines_give_the_exact_report() {
    let org = org().await;
    let mut file = String::from(
        "Nom;Prénom;Date de naissance;Sexe;Téléphone;Mail;Situation;Niveau de formation\n",
    );
    let phone_rule = "numéro de téléphone invalide : 10 chiffres commençant par 0 (01 23 45 67 89) ou +33 suivi de 9 chiffres";
    let mut expected: Vec<(u64, ImportOutcome, String)> = Vec::new();
    for i in 0..200 {
        let line = i as u64 + 2;
        let (last, first) = (letters(i), format!("Prénom{}", letters(i).to_lowercase()));
        let digits = format!("6{:08}", 10_000_000 + i);
        let email = |n: usize| format!("{}@exemple.test", letters(n).to_lowercase());
        let cells = match i % 10 {
            0 => format!("{last};{first};12/03/1994;F;0{digits};;;"),
            1 => format!("{last};{first};12-03-94;Madame;{digits};;RSA;bac+2"),
            2 => format!("{last};{first};1994-03-12;Monsieur;+33 {digits};;demandeur d'emploi;CAP"),
            3 => {
                expected.push((
                    line,
                    ImportOutcome::Refused,
                    "Date de naissance : « 31/02/1990 » n'est pas une date (attendu : JJ/MM/AAAA)"
                        .into(),
                ));
                format!("{last};{first};31/02/1990;F;0{digits};;;")
            }
            4 => {
                expected.push((
                    line,
                    ImportOutcome::Refused,
                    format!("Téléphone : « 12 34 » : {phone_rule}"),
                ));
                format!("{last};{first};;H;12 34;;;")
            }
            5 => {
                expected.push((
                    line,
                    ImportOutcome::Refused,
                    "Situation : situation inconnue « retraitée » (attendu : Demandeur ou demandeuse d'emploi, Bénéficiaire du RSA, Bénéficiaire de l'ASS, Jeune sans emploi, Salarié ou salariée, Étudiant ou étudiante, Autre)".into(),
                ));
                format!("{last};{first};;F;0{digits};;retraitée;")
            }
            6 => {
                expected.push((line, ImportOutcome::Refused, "Nom : obligatoire".into()));
                format!(";{first};;F;0{digits};;;")
            }
            7 => {
                expected.push((
                    line,
                    ImportOutcome::PossibleDuplicate,
                    format!(
                        "doublon possible : même téléphone que la personne n° {} déjà suivie ; rien n'a été créé, vérifiez sa fiche",
                        org.existing
                    ),
                ));
                format!("{last};{first};;F;06 11 22 33 44;;;")
            }
            8 => format!("{last};{first};;;;{};;", email(i)),
            _ => {
                expected.push((line, ImportOutcome::PossibleDuplicate, String::new()));
                format!("{last};{first};;;;{};;", email(i - 1))
            }
        };
        file.push_str(&cells);
        file.push('\n');
    }
    // The e-mail's duplicate names the file created from the line before.
    let exact = |report: &ImportReport| {
        let found = reasons(report);
        assert_eq!(found.len(), expected.len());
        for (found, wanted) in found.iter().zip(&expected) {
            assert_eq!((found.0, found.1), (wanted.0, wanted.1), "{found:?}");
            if wanted.2.is_empty() {
                assert!(
                    found
                        .2
                        .starts_with("doublon possible : même e-mail que la personne n° "),
                    "{found:?}"
                );
            } else {
                assert_eq!(found.2, wanted.2, "line {}", found.0);
            }
        }
    };
    let before = counts(&org.app.db).await;
    let dry = run(
        &org,
        file.as_bytes(),
        ImportOptions {
            dry_run: true,
            ..SKIP
        },
    )
    .await;
    assert_eq!(
        counts(&org.app.db).await,
        before,
        "a dry run writes nothing"
    );
    assert_eq!(
        (dry.lines, dry.created, dry.possible_duplicates, dry.refused),
        (200, 80, 40, 80)
    );
    exact(&dry);

    let real = run(&org, file.as_bytes(), SKIP).await;
    assert!(real.written);
    assert_eq!(
        (
            real.lines,
            real.created,
            real.possible_duplicates,
            real.refused
        ),
        (200, 80, 40, 80)
    );
    exact(&real);
    assert_eq!(count(&org.app.db, "holders").await, before[0] + 80);
    // Each file created is audited once, as a creation, and has its first step.
    let of_created = |table_and_kind: &str| {
        format!(
            "{table_and_kind} AND holder_id IN (SELECT id FROM holders WHERE last_name LIKE 'B%')"
        )
    };
    let audited = of_created("audit_entries WHERE action = 'holder.create'");
    assert_eq!(count(&org.app.db, &audited).await, 80);
    let first_steps = of_created("pathway_events WHERE kind = 'entree'");
    assert_eq!(count(&org.app.db, &first_steps).await, 80);

    let again = run(&org, file.as_bytes(), SKIP).await;
    assert_eq!(
        (
            again.created,
            again.unchanged,
            again.possible_duplicates,
            again.refused
        ),
        (0, 80, 40, 80)
    );
    exact(&again);
    assert_eq!(count(&org.app.db, "holders").await, before[0] + 80);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_all_or_nothing_run_with_one_bad_line_writes_nothing() {
    let org = org().await;
    let before = counts(&org.app.db).await;
    let file = "Nom;Prénom;Date de naissance\n\
                Durand;Paul;01/02/1985\n\
                Lefèvre;Anne;45/02/1985\n\
                Moreau;Jeanne;1985-02-01\n";
    let report = run(&org, file.as_bytes(), ImportOptions::default()).await;
    assert!(!report.written);
    assert_eq!((report.created, report.refused), (2, 1));
    assert_eq!(report.details[0].line, 3);
    assert_eq!(counts(&org.app.db).await, before, "nothing was written");
    let org_admin = org
        .app
        .user(org.admin.organisation_id, Role::OrgAdmin)
        .await;
    let latest = || async {
        holders::latest_imports(&org.app.state.core, &org_admin.actor(), 10)
            .await
            .unwrap()
    };
    assert!(latest().await.is_empty(), "no import is recorded");

    let fixed = file.replace("45/02/1985", "15/02/1985");
    let report = run(
        &org,
        fixed.as_bytes(),
        ImportOptions {
            file_name: "suivi 2024.csv".into(),
            ..ImportOptions::default()
        },
    )
    .await;
    assert!(report.written);
    assert_eq!(report.created, 3);
    assert_eq!(count(&org.app.db, "holders").await, before[0] + 3);
    // The import is audited as one, with its counts, by whom and when.
    let entries = latest().await;
    assert_eq!(entries.len(), 1);
    let entry = &entries[0];
    assert_eq!(entry.import.file_name, "suivi 2024.csv");
    assert_eq!(entry.import.imported_by, org.admin.id);
    assert_eq!(entry.import.imported_at, t0());
    assert_eq!(
        (
            entry.import.lines,
            entry.import.created,
            entry.import.refused
        ),
        (3, 3, 0)
    );
    assert_eq!(entry.user_name, "Personne de Test");
}

#[tokio::test(flavor = "multi_thread")]
async fn windows_1252_and_commas_keep_the_accents() {
    let org = org().await;
    let text = "Nom,Prénom,Mail,Sexe\r\nDurand,Benoît,benoit@exemple.test,Monsieur\r\nMoreau,Hélène,helene@exemple.test,Mme\r\n";
    // Windows-1252 for these letters is their Latin-1 byte.
    let bytes: Vec<u8> = text
        .chars()
        .map(|c| u8::try_from(u32::from(c)).unwrap())
        .collect();
    assert!(std::str::from_utf8(&bytes).is_err(), "not UTF-8");
    let report = run(&org, &bytes, ImportOptions::default()).await;
    assert_eq!(
        (report.created, report.refused),
        (2, 0),
        "{:?}",
        reasons(&report)
    );
    let mut names: Vec<String> = people(&org).await.iter().map(Holder::full_name).collect();
    names.sort();
    assert_eq!(names, ["Benoît Durand", "Déjà Suivie", "Hélène Moreau"]);

    // The same people in UTF-8 with semicolons: already there, as they are.
    let report = run(
        &org,
        text.replace(',', ";").as_bytes(),
        ImportOptions::default(),
    )
    .await;
    assert_eq!(
        (report.created, report.unchanged, report.possible_duplicates),
        (0, 2, 0)
    );
    assert!(report.details.is_empty());
}

/// A workbook as advisers keep them: a title above the header, a date cell formatted
/// as a date, a phone and a postal code stored as numbers (the phone lost its zero), and
/// an archive sheet after the first one.
pub(crate) fn workbook() -> Vec<u8> {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let mut book = Workbook::new();
    let day = Format::new().set_num_format("dd/mm/yyyy");
    let sheet = book.add_worksheet();
    sheet.set_name("Suivi 2024").unwrap();
    sheet.write_string(0, 0, "Porteurs suivis en 2024").unwrap();
    for (column, title) in [
        "Nom",
        "Prénom",
        "Date de naissance",
        "Portable",
        "CP",
        "Étape",
    ]
    .into_iter()
    .enumerate()
    {
        sheet.write_string(2, column as u16, title).unwrap();
    }
    sheet.write_string(3, 0, "Lefèvre").unwrap();
    sheet.write_string(3, 1, "Anaïs").unwrap();
    sheet
        .write_datetime_with_format(3, 2, ExcelDateTime::from_ymd(1994, 3, 12).unwrap(), &day)
        .unwrap();
    sheet.write_number(3, 3, 612_345_678.0).unwrap();
    sheet.write_number(3, 4, 60100.0).unwrap();
    sheet.write_string(3, 5, "Accompagnement").unwrap();
    sheet.write_string(5, 0, "Garnier").unwrap();
    sheet.write_string(5, 1, "Noé").unwrap();
    sheet.write_string(5, 2, "01/02/1988").unwrap();
    let archive = book.add_worksheet();
    archive.set_name("Archives").unwrap();
    archive.write_string(0, 0, "Nom").unwrap();
    archive.write_string(0, 1, "Prénom").unwrap();
    archive.write_string(1, 0, "Ancien").unwrap();
    archive.write_string(1, 1, "Porteur").unwrap();
    book.save_to_buffer().unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_workbook_is_read_from_its_first_sheet_or_a_named_one() {
    let org = org().await;
    let bytes = workbook();
    let lines = read_any(&bytes, None).unwrap();
    assert_eq!(
        lines[2].line, 3,
        "lines numbered as the spreadsheet shows them"
    );
    assert_eq!(
        lines[3].cells,
        [
            "Lefèvre",
            "Anaïs",
            "1994-03-12",
            "612345678",
            "60100",
            "Accompagnement"
        ]
    );
    let report = holders::import(
        &org.app.state.core,
        &org.admin.actor(),
        &lines,
        ImportOptions::default(),
        t0(),
    )
    .await
    .unwrap();
    assert_eq!(
        (report.created, report.refused),
        (2, 0),
        "{:?}",
        reasons(&report)
    );
    let found = people(&org).await;
    let anais = found.iter().find(|h| h.first_name == "Anaïs").unwrap();
    assert_eq!(anais.birth_date, NaiveDate::from_ymd_opt(1994, 3, 12));
    assert_eq!(anais.phone.as_deref(), Some("+33612345678"));
    assert_eq!(anais.postal_code.as_deref(), Some("60100"));
    assert_eq!(anais.stage, Stage::Accompagnement);

    let archive = read_any(&bytes, Some(" archives ")).unwrap();
    assert_eq!(archive[1].cells, ["Ancien", "Porteur"]);
    assert_eq!(
        read_any(&bytes, Some("2023")).unwrap_err().to_string(),
        "pas de feuille « 2023 » dans le classeur (feuilles : Suivi 2024, Archives)"
    );
    assert!(
        read_any(b"Nom;Pr\xc3\xa9nom\n", Some("Suivi"))
            .unwrap_err()
            .to_string()
            .contains("ce fichier est du texte (CSV)")
    );
    assert!(
        read_any(b"PK\x03\x04 not really a zip", None)
            .unwrap_err()
            .to_string()
            .starts_with("classeur illisible")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_line_with_a_name_only_is_not_created_twice() {
    let org = org().await;
    let file = "Prénom;Nom;Étape\nPaul;Durand;Information\n";
    let first = run(&org, file.as_bytes(), ImportOptions::default()).await;
    assert_eq!(first.created, 1);
    let again = run(
        &org,
        "NOM;PRENOM\nDURAND;paul\n".as_bytes(),
        ImportOptions::default(),
    )
    .await;
    assert_eq!((again.created, again.possible_duplicates), (0, 1));
    assert!(
        again.details[0].reasons[0].starts_with("doublon possible : même nom que la personne n° "),
        "{:?}",
        again.details[0].reasons
    );
    assert_eq!(people(&org).await.len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn excel_serial_dates_are_read_and_an_implausible_one_is_explained() {
    let org = org().await;
    let file = "Nom;Prénom;Date de naissance\nAubert;Bérénice;34405\nCaron;Denis;44000\n";
    let report = run(&org, file.as_bytes(), SKIP).await;
    assert_eq!((report.created, report.refused), (1, 1));
    assert_eq!(
        report.details[0].reasons,
        [
            "Date de naissance : « 44000 » (lu comme le 18/06/2020) : date de naissance peu plausible : 6 ans (15 à 99 ans attendus)"
        ]
    );
    let found = people(&org).await;
    let berenice = found.iter().find(|h| h.first_name == "Bérénice").unwrap();
    assert_eq!(berenice.birth_date, NaiveDate::from_ymd_opt(1994, 3, 12));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_file_without_a_header_is_refused_whole() {
    let org = org().await;
    let error = holders::import(
        &org.app.state.core,
        &org.admin.actor(),
        &read_csv("Dupont;Ana\nMartin;Léo\n".as_bytes()).unwrap(),
        ImportOptions::default(),
        t0(),
    )
    .await
    .unwrap_err();
    assert!(
        format!("{error:?}").contains("en-tête introuvable"),
        "{error:?}"
    );
}

fn temp_file(name: &str) -> std::path::PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    std::env::temp_dir().join(format!(
        "parcours-import-{}-{nanos}-{name}",
        std::process::id()
    ))
}

#[tokio::test(flavor = "multi_thread")]
async fn the_command_imports_a_file_and_writes_the_report() {
    let db = TestDb::new().await;
    let conn = db.migrated().await;
    let territory_id = territories::upsert(
        conn.conn(),
        &territories::TerritoryInput {
            code: "T-CLI",
            name: "Territoire",
            communes: vec![],
        },
        t0(),
    )
    .await
    .unwrap();
    let org_id = organisations::upsert(
        conn.conn(),
        &organisations::OrganisationInput {
            name: "BGE Import",
            kind: OrganisationKind::Bge,
            territory_id,
            notification_email: None,
        },
        t0(),
    )
    .await
    .unwrap();
    users::create(
        conn.conn(),
        &users::NewUser {
            organisation_id: org_id,
            email: &Email::parse("admin@bge.test").unwrap(),
            display_name: &DisplayName::parse("Admin BGE").unwrap(),
            role: Role::OrgAdmin,
            password_hash: password_hash(),
        },
        t0(),
    )
    .await
    .unwrap();
    let file = temp_file("porteurs.csv");
    let report = temp_file("rapport.csv");
    std::fs::write(
        &file,
        "Nom;Prénom;Téléphone\nDurand;Paul;06 12 34 56 78\nLefèvre;Anne;=1+1\n",
    )
    .unwrap();
    let import = |extra: &[&str]| {
        parcours()
            .env("PARCOURS__DATABASE__URL", &db.url)
            .args([
                "holders",
                "import",
                file.to_str().unwrap(),
                "--org",
                "BGE Import",
            ])
            .args(extra)
            .args(["--report", report.to_str().unwrap()])
            .output()
            .unwrap()
    };
    let holders_now = || async { count(&conn, "holders").await };

    let dry = import(&["--dry-run"]);
    let out = String::from_utf8_lossy(&dry.stdout);
    assert!(
        dry.status.success(),
        "{}",
        String::from_utf8_lossy(&dry.stderr)
    );
    assert!(
        out.contains("À créer : 1 ; mises à jour : 0 ; déjà suivies, inchangées : 0 ; doublons possibles (non créés) : 0 ; refusées : 1."),
        "{out}"
    );
    assert!(out.contains("rien n'a été enregistré"), "{out}");
    assert_eq!(holders_now().await, 0);
    let written = std::fs::read(&report).unwrap();
    let text = String::from_utf8(written).unwrap();
    assert!(text.starts_with("\u{feff}Nom;Prénom;Téléphone;Ligne du fichier;Résultat;Raison\r\n"));
    // The typed formula is written as text, never as a formula.
    assert!(
        text.contains(
            "Lefèvre;Anne;'=1+1;3;Refusée;Téléphone : « =1+1 » : numéro de téléphone invalide"
        ),
        "{text}"
    );

    let all_or_nothing = import(&[]);
    assert_eq!(all_or_nothing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&all_or_nothing.stderr).contains("--skip-invalid"));
    assert_eq!(holders_now().await, 0);

    let skip = import(&["--skip-invalid"]);
    assert!(
        skip.status.success(),
        "{}",
        String::from_utf8_lossy(&skip.stderr)
    );
    assert!(String::from_utf8_lossy(&skip.stdout).contains("Créées : 1 ;"));
    assert_eq!(holders_now().await, 1);
    let again = import(&["--skip-invalid"]);
    assert!(
        String::from_utf8_lossy(&again.stdout)
            .contains("Créées : 0 ; mises à jour : 0 ; déjà suivies, inchangées : 1 ;")
    );
    assert_eq!(holders_now().await, 1);

    // A workbook's named sheet; a sheet it does not have is refused on --sheet.
    let book = temp_file("suivi.xlsx");
    std::fs::write(&book, workbook()).unwrap();
    let sheet = |name: &str| {
        parcours()
            .env("PARCOURS__DATABASE__URL", &db.url)
            .args(["holders", "import", book.to_str().unwrap()])
            .args(["--org", "BGE Import", "--dry-run", "--sheet", name])
            .output()
            .unwrap()
    };
    let archives = sheet("Archives");
    assert!(archives.status.success());
    assert!(
        String::from_utf8_lossy(&archives.stdout).contains("À créer : 1 ;"),
        "{}",
        String::from_utf8_lossy(&archives.stdout)
    );
    let missing = sheet("2023");
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&missing.stderr).contains("--sheet : pas de feuille « 2023 »"),
        "{}",
        String::from_utf8_lossy(&missing.stderr)
    );
    std::fs::remove_file(&book).ok();

    let unknown = parcours()
        .env("PARCOURS__DATABASE__URL", &db.url)
        .args([
            "holders",
            "import",
            file.to_str().unwrap(),
            "--org",
            "Inconnue",
        ])
        .output()
        .unwrap();
    assert_eq!(unknown.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&unknown.stderr)
            .contains("--org : structure « Inconnue » inconnue")
    );
    for path in [file, report] {
        let _ = std::fs::remove_file(path);
    }
}

/// Project columns: an idea becomes the person's project; a SIRET with its creation
/// date closes the pathway as a business created, dated the day it was — so that the
/// funders' figures count it in its own period, not on the day of the import.
#[tokio::test(flavor = "multi_thread")]
async fn projects_and_businesses_created_are_brought_in() {
    use parcours_domain::contacts::LegalForm;
    use parcours_domain::pathway::Outcome;
    let org = org().await;
    let file = "Nom;Prénom;Date de naissance;Date d'entrée;Étape;Idée de projet;Secteur;Forme juridique;SIRET;Date de création\n\
Amrani;Samir;01/01/1990;10/01/2023;Accompagnement;Food-truck de cuisine libanaise;Restauration;auto-entrepreneur;;\n\
Bernard;Lina;02/02/1992;01/03/2022;Accompagnement;Atelier de couture;Artisanat;SAS;732 829 320 00074;15/09/2023\n\
Colin;Théo;03/03/1993;;;;;SARL;;01/02/2024\n\
Diallo;Awa;04/04/1994;01/06/2024;;Salon de coiffure;;SASU;73282932000074;01/01/2024\n\
Petit;Jules;05/05/1995;;;;;SA;;\n";
    let report = run(&org, file.as_bytes(), SKIP).await;
    assert_eq!(
        reasons(&report),
        [
            (
                4,
                ImportOutcome::Refused,
                "SIRET : obligatoire pour une entreprise créée (la ligne donne un SIRET ou une date de création)".to_owned()
            ),
            (
                5,
                ImportOutcome::Refused,
                "Date de création : l'entreprise est créée avant la date d'entrée dans le parcours".to_owned()
            ),
            (
                6,
                ImportOutcome::Refused,
                "Forme juridique : forme juridique inconnue « SA » (attendu par exemple : micro-entreprise, EI, EURL, SARL, SASU, SAS, SCOP, SCIC, association)".to_owned()
            ),
        ]
    );
    assert_eq!((report.created, report.refused), (2, 3));
    assert!(report.set_aside_columns().is_empty());

    let found = people(&org).await;
    let conn = org.app.db.conn();
    let samir = found.iter().find(|h| h.first_name == "Samir").unwrap();
    assert_eq!((samir.stage, samir.outcome), (Stage::Accompagnement, None));
    let projects = parcours_persistence::projects::for_holder(conn, samir.id)
        .await
        .unwrap();
    assert_eq!(projects.len(), 1);
    assert_eq!(projects[0].idea, "Food-truck de cuisine libanaise");
    assert_eq!(projects[0].sector.as_deref(), Some("Restauration"));
    assert_eq!(
        (projects[0].planned_legal_form, projects[0].micro_entreprise),
        (Some(LegalForm::Ei), true)
    );
    assert_eq!(projects[0].siret, None);

    let lina = found.iter().find(|h| h.first_name == "Lina").unwrap();
    assert_eq!(lina.outcome, Some(Outcome::EntrepriseCreee));
    assert_eq!(
        lina.closed_at.map(|at| at.date_naive()),
        NaiveDate::from_ymd_opt(2023, 9, 15)
    );
    let projects = parcours_persistence::projects::for_holder(conn, lina.id)
        .await
        .unwrap();
    assert_eq!(projects[0].siret.as_deref(), Some("73282932000074"));
    assert_eq!(projects[0].created_on, NaiveDate::from_ymd_opt(2023, 9, 15));
    assert_eq!(projects[0].legal_form, Some(LegalForm::Sas));
    assert_eq!(
        step_days(&org, lina.id).await,
        [
            NaiveDate::from_ymd_opt(2022, 3, 1).unwrap(),
            NaiveDate::from_ymd_opt(2023, 9, 15).unwrap()
        ]
    );

    // The same file again: nothing new, and no second project.
    let again = run(&org, file.as_bytes(), SKIP).await;
    assert_eq!((again.created, again.unchanged), (0, 2));
    assert_eq!(
        parcours_persistence::projects::for_holder(conn, lina.id)
            .await
            .unwrap()
            .len(),
        1
    );
}

/// An organisation whose titles are its own says what each column holds; a column it
/// leaves aside is not listed as unknown; a mapping line that names nothing known is
/// refused with its line.
#[tokio::test(flavor = "multi_thread")]
async fn a_mapping_file_says_what_the_organisations_own_titles_hold() {
    let org = org().await;
    let mapping = holders::read_mapping(
        &read_csv(
            "Colonne du fichier;Champ Parcours\nPrénom usuel;Prénom\nTel perso;Téléphone\nPointure;ignorer\n"
                .as_bytes(),
        )
        .unwrap(),
    )
    .unwrap();
    let file = "Nom de famille;Prénom usuel;Tel perso;Pointure\nDurand;Paul;0612345678;42\n";
    let options = ImportOptions { mapping, ..SKIP };
    let report = holders::import(
        &org.app.state.core,
        &org.admin.actor(),
        &read_csv(file.as_bytes()).unwrap(),
        options,
        t0(),
    )
    .await
    .unwrap();
    assert_eq!(
        (report.created, report.refused),
        (1, 0),
        "{:?}",
        reasons(&report)
    );
    assert_eq!(
        report.columns(),
        ["Nom de famille", "Prénom usuel", "Tel perso"]
    );
    assert!(
        report.unknown_columns.is_empty(),
        "{:?}",
        report.unknown_columns
    );
    let paul = people(&org)
        .await
        .into_iter()
        .find(|h| h.first_name == "Paul")
        .unwrap();
    assert_eq!(paul.phone.as_deref(), Some("+33612345678"));

    let bad = holders::read_mapping(
        &read_csv("Prénom usuel;Prénom\nTel perso;Fax\n".as_bytes()).unwrap(),
    )
    .unwrap_err();
    assert!(
        format!("{bad:?}").contains("ligne 2 : « Fax » n'est pas une colonne connue"),
        "{bad:?}"
    );
}

/// A « N° dossier » column from the former tool: the newer export of the same file
/// updates the people it finds by their reference, leaves alone those it does not
/// change, and adds the new ones.
#[tokio::test(flavor = "multi_thread")]
async fn a_reference_column_updates_the_files_it_finds_again() {
    let org = org().await;
    let first = "N° dossier;Nom;Prénom;Tél.;Situation\n\
A-001;Durand;Paul;06 12 34 56 78;RSA\n\
A-002;Moreau;Hélène;;\n";
    let report = run(&org, first.as_bytes(), SKIP).await;
    assert_eq!(report.created, 2, "{:?}", reasons(&report));
    assert_eq!(
        report.columns()[0],
        "N° dossier",
        "{:?}",
        report.unknown_columns
    );
    let conn = org.app.db.conn();
    let paul = parcours_persistence::holders::find_by_external_ref(
        conn,
        org.admin.organisation_id,
        "A-001",
    )
    .await
    .unwrap()
    .expect("the reference is kept");
    let audits_before = count(&org.app.db, "audit_entries").await;

    let newer = "N° dossier;Nom;Prénom;Tél.;Situation\n\
A-001;Durand;Paul;06 99 88 77 66;salarié\n\
A-002;Moreau;Hélène;;\n\
A-003;Petit;Luc;;\n";
    let dry = run(
        &org,
        newer.as_bytes(),
        ImportOptions {
            dry_run: true,
            ..SKIP
        },
    )
    .await;
    assert_eq!((dry.created, dry.updated, dry.unchanged), (1, 1, 1));
    let again = parcours_persistence::holders::get(conn, paul.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again.phone, paul.phone, "a dry run changes nothing");

    let report = run(&org, newer.as_bytes(), SKIP).await;
    assert_eq!(
        (
            report.created,
            report.updated,
            report.unchanged,
            report.possible_duplicates
        ),
        (1, 1, 1, 0)
    );
    let updated = parcours_persistence::holders::get(conn, paul.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(updated.phone.as_deref(), Some("+33699887766"));
    assert_eq!(updated.situation, Some(Situation::Salarie));
    assert_eq!(updated.version, paul.version + 1);
    assert_eq!(
        people(&org).await.len(),
        4,
        "Déjà Suivie, Paul, Hélène, Luc"
    );
    // The update and the creation are audited.
    assert!(count(&org.app.db, "audit_entries").await >= audits_before + 2);

    // The newer file once more: nothing left to do.
    let last = run(&org, newer.as_bytes(), SKIP).await;
    assert_eq!((last.created, last.updated, last.unchanged), (0, 0, 3));
}

/// Just after midnight in Paris (23:30 UTC the day before), a person who came « today »
/// is not refused as coming in the future: the import's day is the form's, Paris's.
#[tokio::test(flavor = "multi_thread")]
async fn today_is_the_day_in_paris() {
    use chrono::TimeZone;
    let org = org().await;
    let now = chrono::Utc
        .with_ymd_and_hms(2026, 11, 30, 23, 30, 0)
        .unwrap();
    let file = "Nom;Prénom;Date d'entrée\nDurand;Paul;01/12/2026\n";
    let report = holders::import(
        &org.app.state.core,
        &org.admin.actor(),
        &read_csv(file.as_bytes()).unwrap(),
        SKIP,
        now,
    )
    .await
    .unwrap();
    assert_eq!(
        (report.created, report.refused),
        (1, 0),
        "{:?}",
        reasons(&report)
    );
}
