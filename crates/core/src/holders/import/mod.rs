//! Bringing an organisation's caseload in from its spreadsheets: each line goes through
//! the intake rules of the registration form; a person the organisation already follows
//! (by its duplicate rules) is reported, never created again nor merged; a dry run
//! writes nothing, and a real one writes everything or nothing unless told to keep the
//! valid lines.

mod columns;
mod row;
mod values;

pub use self::columns::Mapping;
use self::columns::{Column, Header, find_header};
use self::row::{Lookup, column_of};
use super::intake::{Known, validate_known};
use super::{register_deferring, register_entered_in};
use crate::{Actor, Error, Result};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use parcours_domain::audit::AuditAction;
use parcours_persistence::holders::{self, Holder, HolderFields, NewHolder};
use parcours_persistence::{DatabaseTransaction, audit, commit, qpv, users};

pub use parcours_persistence::table::Line;

/// A spreadsheet's lines: a workbook's sheet (the first unless `sheet` names one), or a
/// CSV file's. What cannot be read is refused under `fichier`, a missing sheet under
/// `feuille`.
pub fn read_table(bytes: &[u8], sheet: Option<&str>) -> Result<Vec<Line>> {
    use parcours_persistence::table::{TableError, read_any};
    read_any(bytes, sheet).map_err(|e| match e {
        TableError::File(why) => Error::invalid("fichier", why),
        TableError::Sheet(why) => Error::invalid("feuille", why),
    })
}

/// An import written, as its organisation's admins see it listed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportEntry {
    pub import: holders::imports::HolderImport,
    /// Who ran it.
    pub user_name: String,
}

/// The organisation's latest imports, newest first: the import as a whole, audited.
pub async fn latest_imports(
    core: &crate::Core,
    actor: &Actor,
    limit: u64,
) -> Result<Vec<ImportEntry>> {
    may_import(actor)?;
    let conn = core.db.conn();
    let imports = holders::imports::latest(conn, actor.organisation_id, limit).await?;
    let ids: Vec<i64> = imports.iter().map(|i| i.imported_by).collect();
    let names = users::names(conn, &ids).await?;
    Ok(imports
        .into_iter()
        .map(|import| ImportEntry {
            user_name: names.get(&import.imported_by).cloned().unwrap_or_default(),
            import,
        })
        .collect())
}

/// Who may bring a caseload in from a page: the organisation's admins.
pub fn may_import(actor: &Actor) -> Result<()> {
    actor.require_org_admin()
}

/// How to run an import.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportOptions {
    /// Check and report only: nothing is written.
    pub dry_run: bool,
    /// Write the valid lines even when others are refused (else nothing is written).
    pub skip_invalid: bool,
    /// What the file's columns hold, when the organisation says so.
    pub mapping: Mapping,
    /// The file's name (no path), kept with the import's entry.
    pub file_name: String,
}

/// A mapping file's lines ([`read_table`]) as a [`Mapping`]; its faults are refused
/// under `correspondance`, each with its line.
pub fn read_mapping(lines: &[Line]) -> Result<Mapping> {
    Mapping::from_table(lines.iter().map(|l| (l.line, l.cells.as_slice()))).map_err(|reasons| {
        let mut errors = parcours_domain::ValidationErrors::new();
        for reason in reasons {
            errors.add("correspondance", reason);
        }
        Error::Invalid(errors)
    })
}

/// What became of a line that was not simply created.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Created,
    /// The person is already followed, and the line says nothing the file does not.
    Unchanged,
    /// Found by the reference of the organisation's former tool, and changed as the
    /// line says.
    Updated,
    /// Someone the organisation already follows may be this person: not created.
    PossibleDuplicate,
    Refused,
}

impl Outcome {
    /// What the report's « Résultat » says, on the page and in the CSV.
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Created => "Créée",
            Outcome::Unchanged => "Déjà suivie, inchangée",
            Outcome::Updated => "Mise à jour",
            Outcome::PossibleDuplicate => "Doublon possible",
            Outcome::Refused => "Refusée",
        }
    }
}

/// A line of the file with what became of it, and why, in French.
#[derive(Clone, PartialEq, Eq)]
pub struct ReportLine {
    /// The line in the file (the first is 1).
    pub line: u64,
    pub cells: Vec<String>,
    pub outcome: Outcome,
    pub reasons: Vec<String>,
}

// The cells are personal data: only the line and the outcome reach a log.
impl std::fmt::Debug for ReportLine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReportLine")
            .field("line", &self.line)
            .field("outcome", &self.outcome)
            .finish_non_exhaustive()
    }
}

/// A recognised column of the file: where it is, and what it was read as.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadColumn {
    /// The cell's index in a line (the first is 0).
    pub index: usize,
    /// Its title as written.
    pub title: String,
    /// What Parcours reads it as (« Téléphone »).
    pub field: &'static str,
    /// Whether this version imports it.
    pub imported: bool,
}

/// What an import did, or would do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportReport {
    /// The header's line in the file (the first is 1).
    pub header_line: u64,
    /// The header line's cells, as written.
    pub header: Vec<String>,
    /// The recognised columns, in file order.
    pub read_columns: Vec<ReadColumn>,
    /// Titles nobody recognised (their cells are not imported).
    pub unknown_columns: Vec<String>,
    /// Lines of people read (blank lines not counted).
    pub lines: usize,
    pub created: usize,
    /// Already followed, every value of the line already on the file.
    pub unchanged: usize,
    /// Found by their reference and changed as the line says.
    pub updated: usize,
    pub possible_duplicates: usize,
    pub refused: usize,
    /// The possible duplicates and the refused lines, in file order.
    pub details: Vec<ReportLine>,
    /// Whether anything was written: false for a dry run, and for an all-or-nothing
    /// run with a refused line.
    pub written: bool,
}

impl ImportReport {
    /// Titles of the columns that were read, in file order.
    pub fn columns(&self) -> Vec<&str> {
        self.titles(true)
    }

    /// Titles recognised but not imported by this version (commune, notes…).
    pub fn set_aside_columns(&self) -> Vec<&str> {
        self.titles(false)
    }

    fn titles(&self, imported: bool) -> Vec<&str> {
        self.read_columns
            .iter()
            .filter(|c| c.imported == imported)
            .map(|c| c.title.as_str())
            .collect()
    }
}

/// Imports the people of a table (a spreadsheet's lines) into the actor's organisation.
/// A file that cannot be read as a caseload (no header, no name column) is refused
/// under the field `fichier`.
pub async fn import(
    core: &crate::Core,
    actor: &Actor,
    lines: &[Line],
    options: ImportOptions,
    now: DateTime<Utc>,
) -> Result<ImportReport> {
    import_with_progress(core, actor, lines, options, now, &|_, _| {}).await
}

fn people_lines<'a>(lines: &'a [Line], header: &Header) -> Vec<&'a Line> {
    lines[header.index + 1..]
        .iter()
        .filter(|l| l.cells.iter().any(|c| !c.trim().is_empty()))
        .collect()
}

/// [`import`], telling `progress` how many lines of people were gone through, and of
/// how many (blank lines not counted), before each line and at the end: what a
/// progress bar shows.
pub async fn import_with_progress(
    core: &crate::Core,
    actor: &Actor,
    lines: &[Line],
    options: ImportOptions,
    now: DateTime<Utc>,
    progress: &(dyn Fn(usize, usize) + Send + Sync),
) -> Result<ImportReport> {
    actor.require_personal_data()?;
    let header = header(lines, &options.mapping)?;
    let header_cells = lines[header.index].cells.clone();
    let data = people_lines(lines, &header);
    let total = data.len();
    let mut report = ImportReport {
        header_line: lines[header.index].line,
        // The header's columns are in file order.
        read_columns: header
            .columns
            .iter()
            .map(|(index, column, title)| ReadColumn {
                index: *index,
                title: title.clone(),
                field: column.label(),
                imported: column.imported(),
            })
            .collect(),
        unknown_columns: header.unknown.clone(),
        header: header_cells,
        lines: total,
        created: 0,
        unchanged: 0,
        updated: 0,
        possible_duplicates: 0,
        refused: 0,
        details: Vec::new(),
        written: false,
    };
    report
        .unknown_columns
        .extend(untitled_columns(&header, &report.header, &data));
    let txn = core.db.begin_write().await?;
    let lookup = Lookup::new(
        &users::all_of_organisation(&txn, actor.organisation_id).await?,
        match header.cell(Column::Qpv) {
            Some(_) => qpv::names(&txn).await?,
            None => Vec::new(),
        },
    );
    let today = parcours_domain::calendar::paris_day(now);
    let mut carry = Carry::default();
    for (done, line) in data.into_iter().enumerate() {
        progress(done, total);
        let (outcome, reasons) = import_line(
            &txn, core, actor, &header, line, &lookup, &mut carry, today, now,
        )
        .await?;
        match outcome {
            Outcome::Created => report.created += 1,
            Outcome::Unchanged => report.unchanged += 1,
            Outcome::Updated => report.updated += 1,
            Outcome::PossibleDuplicate => report.possible_duplicates += 1,
            Outcome::Refused => report.refused += 1,
        }
        if matches!(outcome, Outcome::PossibleDuplicate | Outcome::Refused) {
            report.details.push(ReportLine {
                line: line.line,
                cells: line.cells.clone(),
                outcome,
                reasons,
            });
        }
    }
    progress(total, total);
    report.written = !options.dry_run && (report.refused == 0 || options.skip_invalid);
    if report.written {
        // Every file created gets its first step and is audited, in a few statements
        // for the whole import.
        holders::record_entries(&txn, std::mem::take(&mut carry.entries)).await?;
        audit::record_many(
            &txn,
            &actor.audit(),
            AuditAction::HolderCreate,
            &carry.created,
            now,
        )
        .await?;
        let count = |n: usize| n as u64;
        holders::imports::record(
            &txn,
            &holders::imports::HolderImport {
                id: 0,
                organisation_id: actor.organisation_id,
                imported_by: actor.user_id,
                file_name: options.file_name.chars().take(255).collect(),
                lines: count(report.lines),
                created: count(report.created),
                updated: count(report.updated),
                unchanged: count(report.unchanged),
                possible_duplicates: count(report.possible_duplicates),
                refused: count(report.refused),
                imported_at: now,
            },
        )
        .await?;
        commit(txn).await?;
    } else {
        txn.rollback()
            .await
            .map_err(parcours_persistence::PersistenceError::from)?;
    }
    tracing::info!(
        organisation_id = actor.organisation_id,
        user_id = actor.user_id,
        lines = report.lines,
        created = report.created,
        unchanged = report.unchanged,
        updated = report.updated,
        possible_duplicates = report.possible_duplicates,
        refused = report.refused,
        dry_run = options.dry_run,
        written = report.written,
        "holders import"
    );
    Ok(report)
}

fn header(lines: &[Line], mapping: &Mapping) -> Result<Header> {
    let header = find_header(lines.iter().map(|l| l.cells.as_slice()), mapping).ok_or_else(|| {
        Error::invalid(
            "fichier",
            format!(
                "en-tête introuvable : aucune des {} premières lignes ne nomme au moins deux colonnes connues (Nom, Prénom, Date de naissance, Téléphone, Mail…)",
                columns::HEADER_SEARCH
            ),
        )
    })?;
    for required in [Column::LastName, Column::FirstName] {
        if header.cell(required).is_none() {
            return Err(Error::invalid(
                "fichier",
                format!(
                    "colonne « {} » absente de l'en-tête (ligne {})",
                    required.label(),
                    lines[header.index].line
                ),
            ));
        }
    }
    Ok(header)
}

/// Columns without a title that hold something: listed so that nothing is dropped
/// unseen (empty ones, often left at the right of a sheet, are ignored).
fn untitled_columns(header: &Header, titles: &[String], data: &[&Line]) -> Vec<String> {
    let width = data.iter().map(|l| l.cells.len()).max().unwrap_or(0);
    (0..width)
        .filter(|i| titles.get(*i).is_none_or(|t| t.trim().is_empty()))
        .filter(|i| header.columns.iter().all(|(c, ..)| c != i))
        .filter(|i| {
            data.iter()
                .any(|l| l.cells.get(*i).is_some_and(|c| !c.trim().is_empty()))
        })
        .map(|i| format!("colonne n° {} sans titre", i + 1))
        .collect()
}

/// What an import carries from line to line: what the intake rules looked up, and
/// the files created, whose audit entries are written together before the commit.
#[derive(Default)]
struct Carry {
    known: Known,
    created: Vec<i64>,
    entries: Vec<holders::PendingEntry>,
}

/// One line: read, checked by the intake rules, compared with the organisation's
/// people, and created when it is new and valid.
#[expect(clippy::too_many_arguments, reason = "a line and what it is read with")]
async fn import_line(
    txn: &DatabaseTransaction,
    core: &crate::Core,
    actor: &Actor,
    header: &Header,
    line: &Line,
    lookup: &Lookup,
    carry: &mut Carry,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<(Outcome, Vec<String>)> {
    let read = row::read(header, &line.cells, lookup, today);
    let title = |column: Column| header.title(column).unwrap_or(column.label()).to_owned();
    let mut reasons: Vec<String> = read
        .refusals
        .iter()
        .map(|(column, reason)| format!("{} : {reason}", title(*column)))
        .collect();
    let explain = |errors: parcours_domain::ValidationErrors, reasons: &mut Vec<String>| {
        for error in errors.0 {
            let column = column_of(&error.field);
            // A cell already refused while being read is said once.
            if column.is_some_and(|c| read.refusals.iter().any(|(r, _)| *r == c)) {
                continue;
            }
            let typed = column
                .and_then(|c| header.cell(c))
                .and_then(|i| line.cells.get(i))
                .map(|c| c.trim())
                .filter(|c| !c.is_empty() && !error.message.contains(*c));
            let name = column.map_or(error.field.clone(), title);
            // A date typed otherwise (`44000`, `01/02/27`) is shown as it was read.
            let read_as = (column == Some(Column::BirthDate))
                .then_some(read.input.birth_date.as_deref())
                .flatten()
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                .map(|d| d.format("%d/%m/%Y").to_string())
                .filter(|d| typed != Some(d.as_str()))
                .map(|d| format!(" (lu comme le {d})"))
                .unwrap_or_default();
            reasons.push(match typed {
                Some(typed) => format!("{name} : « {typed} »{read_as} : {}", error.message),
                None => format!("{name} : {}", error.message),
            });
        }
    };
    let fields = match validate_known(txn, actor, &read.input, now, &mut carry.known).await {
        Ok(fields) => Some(fields),
        Err(Error::Invalid(errors)) => {
            explain(errors, &mut reasons);
            None
        }
        Err(other) => return Err(other),
    };
    let project = match &read.project {
        Some(input) => match crate::projects::validate(input, today) {
            Ok(project) => Some(project),
            Err(Error::Invalid(errors)) => {
                explain(errors, &mut reasons);
                None
            }
            Err(other) => return Err(other),
        },
        None => None,
    };
    // A SIRET or a creation date says the business exists: the pathway is closed with
    // it, which takes the three of them.
    let creation = read
        .project
        .as_ref()
        .filter(|p| p.siret.is_some() || p.created_on.is_some());
    if let Some(created) = creation {
        for (column, given) in [
            (Column::Siret, created.siret.is_some()),
            (Column::CreationDate, created.created_on.is_some()),
            (Column::LegalForm, created.legal_form.is_some()),
        ] {
            if !given && !read.refusals.iter().any(|(r, _)| *r == column) {
                reasons.push(format!(
                    "{} : obligatoire pour une entreprise créée (la ligne donne un SIRET ou une date de création)",
                    title(column)
                ));
            }
        }
    }
    let created_on = project.as_ref().and_then(|p| p.created_on);
    if let (Some(created_on), Some(entered_on)) = (created_on, read.entered_on)
        && created_on < entered_on
    {
        reasons.push(format!(
            "{} : l'entreprise est créée avant la date d'entrée dans le parcours",
            title(Column::CreationDate)
        ));
    }
    let Some(fields) = fields.filter(|_| reasons.is_empty()) else {
        return Ok((Outcome::Refused, reasons));
    };
    // The former tool's reference finds the file itself: the line then updates it.
    if let Some(reference) = &read.reference
        && let Some(existing) =
            holders::find_by_external_ref(txn, actor.organisation_id, reference).await?
    {
        if already_there(&fields, &read.input, &existing) {
            return Ok((Outcome::Unchanged, Vec::new()));
        }
        let merged = match validate_known(
            txn,
            actor,
            &over(&existing, &read.input),
            now,
            &mut carry.known,
        )
        .await
        {
            Ok(merged) => merged,
            Err(Error::Invalid(errors)) => {
                explain(errors, &mut reasons);
                return Ok((Outcome::Refused, reasons));
            }
            Err(other) => return Err(other),
        };
        crate::access::write_in(
            txn,
            core,
            actor,
            existing.id,
            AuditAction::HolderUpdate,
            now,
            // Based on the file as read above: an edit in between is refused, not
            // overwritten.
            async |txn, _, change: parcours_domain::access::Change| {
                holders::update(txn, &change, existing.version, merged, now)
                    .await?
                    .ok_or(Error::Stale)
            },
        )
        .await?;
        return Ok((Outcome::Updated, Vec::new()));
    }
    let candidates = holders::possible_duplicates(txn, actor.organisation_id, &fields, 5).await?;
    if candidates
        .iter()
        .any(|existing| already_there(&fields, &read.input, existing))
    {
        return Ok((Outcome::Unchanged, Vec::new()));
    }
    if let Some(existing) = candidates.first() {
        return Ok((
            Outcome::PossibleDuplicate,
            vec![duplicate_reason(&fields, existing)],
        ));
    }
    // A line with a name only escapes the rules above (they need a birth date, a phone
    // or an e-mail): the same name is then enough to hold it back, or importing the
    // file again would create everyone twice.
    if fields.birth_date.is_none()
        && fields.phone.is_none()
        && fields.email.is_none()
        && let Some(existing) = holders::same_name(
            txn,
            actor.organisation_id,
            &fields.last_name,
            &fields.first_name,
            1,
        )
        .await?
        .first()
    {
        return Ok((
            Outcome::PossibleDuplicate,
            vec![format!(
                "doublon possible : même nom que la personne n° {} déjà suivie, et ni date de naissance, ni téléphone, ni e-mail pour les distinguer ; rien n'a été créé, vérifiez sa fiche",
                existing.id
            )],
        ));
    }
    let midnight = |day: NaiveDate| day.and_time(NaiveTime::MIN).and_utc();
    let new = NewHolder {
        organisation_id: actor.organisation_id,
        user_id: actor.user_id,
        // Without an entry date, someone whose business exists came at the latest
        // when it was created.
        entered_at: read.entered_on.or(created_on).map_or(now, midnight),
        source_event_id: None,
        external_ref: read.reference.as_deref(),
    };
    let Some(project) = project else {
        // Its first step and audit entry are written with the others before the commit.
        let (holder, entry) = register_deferring(txn, actor, fields, read.stage, &new, now).await?;
        carry.created.push(holder.id);
        carry.entries.push(entry);
        return Ok((Outcome::Created, Vec::new()));
    };
    // Its project and closing follow at once: its first step and creation come first.
    let (holder, change, _) =
        register_entered_in(txn, actor, fields, read.stage, &new, now).await?;
    // A business created closes the pathway, which records it on the project: the
    // project is created as it was before.
    let closing = match (&project.siret, created_on, project.legal_form) {
        (Some(siret), Some(created_on), Some(legal_form)) => Some((
            crate::holders::CloseInput {
                outcome: parcours_domain::pathway::Outcome::EntrepriseCreee
                    .as_str()
                    .to_owned(),
                siret: Some(siret.clone()),
                created_on: Some(created_on.format("%Y-%m-%d").to_string()),
                legal_form: Some(legal_form.as_str().to_owned()),
                ..Default::default()
            },
            created_on,
        )),
        _ => None,
    };
    let project = match closing {
        Some(_) => parcours_persistence::projects::ProjectFields {
            siret: None,
            created_on: None,
            legal_form: None,
            ..project
        },
        None => project,
    };
    parcours_persistence::projects::create(txn, &change, project, now).await?;
    audit::record(
        txn,
        &actor.audit(),
        AuditAction::ProjectCreate,
        holder.id,
        now,
    )
    .await?;
    if let Some((input, created_on)) = closing {
        crate::holders::close_in(
            txn,
            actor,
            &holder,
            &change,
            &input,
            midnight(created_on),
            now,
        )
        .await?;
        audit::record(
            txn,
            &actor.audit(),
            AuditAction::HolderClose,
            holder.id,
            now,
        )
        .await?;
    }
    Ok((Outcome::Created, Vec::new()))
}

/// The file as it stands with the values the line gives over it (a blank cell changes
/// nothing; a QPV cell replaces both the quartier and the status).
fn over(existing: &Holder, line: &super::HolderInput) -> super::HolderInput {
    let mut input = super::HolderInput::from(existing);
    let take = |from: &Option<String>, to: &mut Option<String>| {
        if from.is_some() {
            to.clone_from(from);
        }
    };
    take(&line.first_name, &mut input.first_name);
    take(&line.last_name, &mut input.last_name);
    take(&line.birth_date, &mut input.birth_date);
    take(&line.gender, &mut input.gender);
    take(&line.email, &mut input.email);
    take(&line.phone, &mut input.phone);
    take(&line.address, &mut input.address);
    take(&line.postal_code, &mut input.postal_code);
    take(&line.commune_insee, &mut input.commune_insee);
    take(&line.situation, &mut input.situation);
    take(&line.education_level, &mut input.education_level);
    if line.qpv_code.is_some() || line.qpv_status.is_some() {
        input.qpv_code.clone_from(&line.qpv_code);
        input.qpv_status.clone_from(&line.qpv_status);
    }
    if line.referent_user_id.is_some() {
        input.referent_user_id = line.referent_user_id;
    }
    input.stage = None;
    input
}

/// Whether `existing` is the line's person with nothing new: the same name, and every
/// value the line gives already on the file (what the line leaves blank is no change).
/// Anything else is for an adviser to look at, never merged blindly.
fn already_there(fields: &HolderFields, typed: &super::HolderInput, existing: &Holder) -> bool {
    fn same<T: PartialEq>(line: &Option<T>, file: &Option<T>) -> bool {
        line.is_none() || line == file
    }
    existing.sort_key == holders::keys_of(&fields.last_name, &fields.first_name).0
        && same(&fields.birth_date, &existing.birth_date)
        && same(&fields.gender, &existing.gender)
        && same(&fields.email, &existing.email)
        && same(&fields.phone, &existing.phone)
        && same(&fields.address, &existing.address)
        && same(&fields.postal_code, &existing.postal_code)
        && same(&fields.commune_insee, &existing.commune_insee)
        && same(&fields.qpv_code, &existing.qpv_code)
        && (typed.qpv_status.is_none() || fields.qpv_status == existing.qpv_status)
        && same(&fields.situation, &existing.situation)
        && same(&fields.education_level, &existing.education_level)
        && (typed.referent_user_id.is_none()
            || fields.referent_user_id == existing.referent_user_id)
}

/// Which of the organisation's duplicate rules matched, and with whom (by file number).
fn duplicate_reason(fields: &HolderFields, existing: &Holder) -> String {
    let mut same = Vec::new();
    if fields.birth_date.is_some()
        && existing.birth_date == fields.birth_date
        && existing.sort_key == holders::keys_of(&fields.last_name, &fields.first_name).0
    {
        same.push("nom et date de naissance");
    }
    if fields.phone.is_some() && existing.phone == fields.phone {
        same.push("téléphone");
    }
    if fields.email.is_some() && existing.email == fields.email {
        same.push("e-mail");
    }
    format!(
        "doublon possible : même {} que la personne n° {} déjà suivie ; rien n'a été créé, vérifiez sa fiche",
        same.join(", "),
        existing.id
    )
}

/// Who an operator's import acts as for `organisation` (its name or id): the
/// organisation's first active administrator, or else its first active adviser — the
/// files are created in their name, and they are the referent when a line names none.
pub async fn acting_for(core: &crate::Core, organisation: &str) -> Result<Actor> {
    use parcours_domain::users::Role;
    use parcours_persistence::organisations;
    let conn = core.db.conn();
    let Some(found) = organisations::find_by_id_or_name(conn, organisation).await? else {
        return Err(Error::invalid(
            "organisation",
            format!("structure « {organisation} » inconnue"),
        ));
    };
    let members = users::all_of_organisation(conn, found.id).await?;
    let active = |role: Role| {
        members
            .iter()
            .filter(|u| u.disabled_at.is_none() && u.role == role)
            .min_by_key(|u| u.id)
    };
    let user = active(Role::OrgAdmin)
        .or_else(|| active(Role::Adviser))
        .ok_or_else(|| {
            Error::invalid(
                "organisation",
                format!(
                    "la structure « {} » n'a aucun compte actif de conseiller ou d'administrateur : créez-en un d'abord",
                    found.name
                ),
            )
        })?;
    Ok(Actor {
        user_id: user.id,
        organisation_id: found.id,
        territory_id: found.territory.id,
        role: user.role,
        request_id: None,
    })
}
