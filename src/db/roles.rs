//! Least privilege in the database (decision 0017): an **owner** role owns the schema and runs
//! the migrations; the server's **app** role may only read and write rows, and on the
//! append-only tables (`audit_log`, `alert_acks`) only insert and read. It cannot alter a table,
//! disable a trigger, truncate, or change `session_replication_role` (not a superuser).

use sqlx::{PgConnection, PgExecutor, PgPool};

/// The role names the private cluster creates (an external server may use others).
pub const OWNER: &str = "wso_owner";
pub const APP: &str = "wso_app";

/// Tables the app may only append to and read.
const APPEND_ONLY: &[&str] = &["audit_log", "alert_acks"];

fn quote(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

fn literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// Creates (or updates the password of) a login role, as a superuser.
pub async fn ensure_role(admin: &mut PgConnection, role: &str, password: &str) -> sqlx::Result<()> {
    let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)")
        .bind(role)
        .fetch_one(&mut *admin)
        .await?;
    let verb = if exists { "ALTER" } else { "CREATE" };
    let sql = format!(
        "{verb} ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD {}",
        quote(role),
        literal(password)
    );
    match sqlx::query(&sql).execute(&mut *admin).await {
        // Another process created it meanwhile.
        Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("42710") => Ok(()),
        other => other.map(|_| ()),
    }
}

/// Makes `owner` the owner of the database `database` and of everything of ours in it (an
/// installation from before the roles existed had the superuser own it). Run as a superuser,
/// connected to that database.
pub async fn hand_over(admin_in_db: &mut PgConnection, database: &str, owner: &str) -> sqlx::Result<()> {
    let owner_q = quote(owner);
    sqlx::query(&format!("ALTER DATABASE {} OWNER TO {owner_q}", quote(database)))
        .execute(&mut *admin_in_db)
        .await?;
    let owner_lit = literal(owner);
    let block = format!(
        "DO $$ DECLARE r record; BEGIN
           FOR r IN SELECT format('ALTER TABLE %I.%I OWNER TO %I', schemaname, tablename, {owner_lit}) AS s
                    FROM pg_tables WHERE schemaname IN ('public', 'tower_sessions') AND tableowner <> {owner_lit} LOOP
             EXECUTE r.s;
           END LOOP;
           FOR r IN SELECT format('ALTER FUNCTION %s OWNER TO %I', p.oid::regprocedure, {owner_lit}) AS s
                    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                    WHERE n.nspname = 'public' AND pg_get_userbyid(p.proowner) <> {owner_lit}
                      AND NOT EXISTS (SELECT 1 FROM pg_depend d
                                      WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e') LOOP
             EXECUTE r.s;
           END LOOP;
           IF EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'tower_sessions') THEN
             EXECUTE format('ALTER SCHEMA tower_sessions OWNER TO %I', {owner_lit});
           END IF;
         END $$"
    );
    sqlx::query(&block).execute(&mut *admin_in_db).await?;
    Ok(())
}

/// What the app role may do, granted by the owner after the migrations.
pub async fn grant_app(owner: &PgPool, app: &str) -> sqlx::Result<()> {
    let app = quote(app);
    let mut statements = vec![
        format!("GRANT USAGE ON SCHEMA public, tower_sessions TO {app}"),
        format!("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public, tower_sessions TO {app}"),
        format!("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {app}"),
        format!("REVOKE ALL ON _sqlx_migrations FROM {app}"),
        format!("REVOKE INSERT, UPDATE, DELETE ON audit_head FROM {app}"),
    ];
    for table in APPEND_ONLY {
        statements.push(format!("REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM {app}"));
    }
    let mut tx = owner.begin().await?;
    for s in statements {
        sqlx::query(&s).execute(&mut *tx).await?;
    }
    tx.commit().await
}

/// Why this connection has more power than the app needs, if it does: a superuser, or the
/// owner of the audit log (either can rewrite history), or a role that row-level security does
/// not bind (decision 0036).
pub async fn too_powerful(db: impl PgExecutor<'_>) -> sqlx::Result<Option<String>> {
    let (superuser, bypass, owner): (bool, bool, bool) = sqlx::query_as(
        "SELECT r.rolsuper, r.rolbypassrls,
                coalesce((SELECT pg_get_userbyid(c.relowner) = current_user FROM pg_class c
                           WHERE c.relname = 'audit_log' AND c.relnamespace = 'public'::regnamespace), false)
         FROM pg_roles r WHERE r.rolname = current_user",
    )
    .fetch_one(db)
    .await?;
    Ok(match (superuser, bypass, owner) {
        (true, ..) => Some(
            "the server is connected to PostgreSQL as a superuser: it could rewrite the audit log, and row-level security does not bind it"
                .into(),
        ),
        (false, true, _) => Some(
            "the server is connected to PostgreSQL as a role with BYPASSRLS: row-level security does not bind it".into(),
        ),
        (false, false, true) => Some(
            "the server is connected to PostgreSQL as the owner of the audit log: it could rewrite the audit log".into(),
        ),
        _ => None,
    })
}
