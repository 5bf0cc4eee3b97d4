//! The command line, in French like the rest of what users read.

use clap::{Arg, ArgAction, Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "parcours",
    version,
    about = "Parcours : suivi des porteurs de projet des quartiers prioritaires entre structures partenaires",
    disable_help_subcommand = true,
    disable_version_flag = true
)]
pub struct Cli {
    /// Fichier de configuration, appliqué après config/default.toml et avant les variables PARCOURS__…
    #[arg(long, global = true, value_name = "FICHIER")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
#[command(subcommand_help_heading = "Commandes")]
pub enum Command {
    /// Sert l'application (API, documentation) avec la configuration
    Serve(ServeArgs),
    /// Démonstration locale : base SQLite, migrations, données fictives, service sur http://127.0.0.1:8080
    Demo(DemoArgs),
    /// Applique les migrations en attente à la base configurée
    Migrate,
    /// Charge un dossier de données de référence (territoires, QPV, structures, comptes)
    Seed(SeedArgs),
    /// Gère les comptes utilisateurs
    #[command(subcommand)]
    User(UserCommand),
    /// Porteurs de projet d'une structure
    #[command(subcommand)]
    Holders(HoldersCommand),
    /// Référentiel des quartiers prioritaires (QPV)
    #[command(subcommand)]
    Qpv(QpvCommand),
    /// File d'envoi des e-mails
    #[command(subcommand)]
    Outbox(OutboxCommand),
    /// Tâches planifiées (rappels et expiration des orientations)
    #[command(subcommand)]
    Jobs(JobsCommand),
    /// Durée de conservation des données personnelles
    #[command(subcommand)]
    Privacy(PrivacyCommand),
}

#[derive(Debug, Subcommand)]
pub enum PrivacyCommand {
    /// Liste, par structure référente, les dossiers sans activité qui seront anonymisés bientôt (numéros et dates, sans nom)
    Due,
    /// Anonymise maintenant les dossiers sans activité depuis la durée de conservation et efface le journal des accès trop ancien
    Run,
}

#[derive(Debug, Subcommand)]
pub enum OutboxCommand {
    /// Envoie maintenant les messages dus, puis s'arrête
    Run,
    /// Affiche les messages en attente, envoyés et abandonnés (avec la raison de l'abandon)
    Status,
    /// Remet en file d'envoi les messages abandonnés (tous, ou un seul avec --id), tentatives remises à zéro
    Retry(OutboxRetryArgs),
}

#[derive(Debug, Args)]
pub struct OutboxRetryArgs {
    /// Numéro du message abandonné à remettre en file (voir `outbox status`) ; sans lui, tous
    #[arg(long, value_name = "NUMÉRO")]
    pub id: Option<i64>,
}

#[derive(Debug, Subcommand)]
pub enum JobsCommand {
    /// Passe une fois les échéances des orientations puis envoie les messages dus
    RunOnce,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Adresse d'écoute (remplace server.listen)
    #[arg(long, value_name = "ADRESSE")]
    pub listen: Option<SocketAddr>,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Fichier SQLite de la démonstration
    #[arg(long, value_name = "CHEMIN", default_value = "parcours-demo.sqlite")]
    pub db: PathBuf,
    /// Adresse d'écoute
    #[arg(long, value_name = "ADRESSE", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Repart d'une base neuve (supprime le fichier existant)
    #[arg(long)]
    pub reset: bool,
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct SeedArgs {
    /// Dossier contenant territories.toml, qpv.csv, organisations.toml, users.toml, services.toml
    #[arg(value_name = "DOSSIER", required = true)]
    pub dir: Option<PathBuf>,

    #[command(subcommand)]
    pub generate: Option<SeedCommand>,
}

#[derive(Debug, Subcommand)]
pub enum SeedCommand {
    /// Génère un jeu de données synthétique (territoire ou national) pour mesurer les performances
    Synthetic(SyntheticArgs),
}

#[derive(Debug, Args)]
pub struct SyntheticArgs {
    /// Nombre de porteurs de projet (environ dix contacts chacun)
    #[arg(long, value_name = "N")]
    pub holders: u64,
    /// Graine : la même graine donne les mêmes données
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Crée un compte ; le mot de passe est lu sur l'entrée standard, jamais en argument
    Add(UserAddArgs),
    /// Désactive un compte et ferme aussitôt ses sessions
    Disable(UserEmailArgs),
    /// Réactive un compte désactivé
    Enable(UserEmailArgs),
    /// Change le mot de passe (lu sur l'entrée standard) et ferme les sessions du compte
    Password(UserEmailArgs),
}

#[derive(Debug, Args)]
pub struct UserAddArgs {
    /// Adresse e-mail de connexion
    #[arg(long, value_name = "EMAIL")]
    pub email: String,
    /// Nom affiché
    #[arg(long, value_name = "NOM")]
    pub name: String,
    /// Structure : son nom exact ou son identifiant
    #[arg(long, value_name = "STRUCTURE")]
    pub org: String,
    /// Rôle : adviser, org_admin, coordinator ou admin
    #[arg(long, value_name = "ROLE")]
    pub role: String,
}

#[derive(Debug, Args)]
pub struct UserEmailArgs {
    /// Adresse e-mail du compte
    #[arg(long, value_name = "EMAIL")]
    pub email: String,
}

#[derive(Debug, Subcommand)]
pub enum HoldersCommand {
    /// Importe les porteurs d'un tableur (CSV, séparateur ; ou ,, UTF-8 ou Windows-1252) ; tout ou rien par défaut, sans jamais recréer une personne déjà suivie
    Import(HoldersImportArgs),
}

#[derive(Debug, Args)]
pub struct HoldersImportArgs {
    /// Classeur (.xlsx, .xls, .ods) ou fichier CSV enregistré depuis le tableur (en-tête dans les 10 premières lignes)
    #[arg(value_name = "FICHIER")]
    pub file: PathBuf,
    /// Structure qui suit ces personnes : son nom exact ou son identifiant
    #[arg(long, value_name = "STRUCTURE")]
    pub org: String,
    /// Feuille du classeur à lire (par défaut la première)
    #[arg(long, value_name = "FEUILLE")]
    pub sheet: Option<String>,
    /// Fichier de correspondance (CSV ou classeur) : une ligne par colonne, son titre dans le fichier puis ce qu'elle contient (« Téléphone », « Observations »…) ou « ignorer »
    #[arg(long, value_name = "FICHIER")]
    pub mapping: Option<PathBuf>,
    /// Vérifie et rend compte sans rien enregistrer
    #[arg(long)]
    pub dry_run: bool,
    /// Enregistre les lignes valides même si d'autres sont refusées (sinon rien n'est enregistré)
    #[arg(long)]
    pub skip_invalid: bool,
    /// Écrit les lignes refusées et les doublons possibles, avec leur raison, dans ce fichier CSV (ouvrable dans Excel)
    #[arg(long, value_name = "FICHIER")]
    pub report: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum QpvCommand {
    /// Importe la liste officielle de l'ANCT telle que publiée (CSV, séparateur ; ou ,) et met à jour le référentiel
    Import(QpvImportArgs),
}

#[derive(Debug, Args)]
pub struct QpvImportArgs {
    /// Fichier CSV publié par l'ANCT
    #[arg(value_name = "FICHIER")]
    pub file: PathBuf,
}

/// Parses the process arguments with French help on every command.
pub fn parse() -> Cli {
    let mut command = localise(Cli::command()).arg(
        Arg::new("version")
            .short('V')
            .long("version")
            .action(ArgAction::Version)
            .help("Affiche la version"),
    );
    let matches = command.get_matches_mut();
    Cli::from_arg_matches(&matches).unwrap_or_else(|error| error.format(&mut command).exit())
}

/// The same words on every level: usage line, headings, help flag.
pub fn localise(command: clap::Command) -> clap::Command {
    command
        .help_template("{about-with-newline}\nUsage : {usage}\n\n{all-args}{after-help}")
        .subcommand_help_heading("Commandes")
        .subcommand_value_name("COMMANDE")
        .disable_help_flag(true)
        .arg(
            Arg::new("help")
                .short('h')
                .long("help")
                .action(ArgAction::Help)
                .help("Affiche cette aide"),
        )
        .mut_subcommands(localise)
}
