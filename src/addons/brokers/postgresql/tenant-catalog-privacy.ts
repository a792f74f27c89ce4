// What an add-on's role may not read in its own database: the cluster-wide catalogue views and
// statistics functions that show other tenants' sessions (their application_name, client address,
// timing) and their databases' activity. Applied in every add-on database (the ACLs of catalogue
// objects are per database), at creation and again at every start.
//
// Left readable on purpose: pg_database, pg_roles and pg_shdescription. pg_dump (Berth's
// pg:backups and a tenant's own dumps) reads all three and fails without them, and hiding the
// first two would not hide the names anyway: any role's name is one `oid::regrole` cast away, and
// each add-on's database is named like its role. Those names are Berth's generated `addon_<id>`;
// CONNECT to another tenant's database is refused; Berth writes no comments on shared objects.

import { quoteIdent } from './psql.js';

/** Views over other sessions and databases (SELECT revoked from PUBLIC). */
export const HIDDEN_VIEWS = [
  'pg_catalog.pg_stat_activity',
  'pg_catalog.pg_stat_database',
  'pg_catalog.pg_stat_database_conflicts',
  'pg_catalog.pg_prepared_xacts',
];

/**
 * The functions under those views (EXECUTE revoked from PUBLIC): revoking a view alone leaves its
 * function callable. Matched by name in pg_catalog, so every overload is covered.
 */
const HIDDEN_FUNCTIONS_SQL = `proname IN ('pg_stat_get_activity', 'pg_prepared_xact', 'pg_stat_get_backend_idset')
  OR proname LIKE 'pg\\_stat\\_get\\_db\\_%' OR proname LIKE 'pg\\_stat\\_get\\_backend\\_%'`;

/** The statements, run as the superuser inside one add-on database; idempotent. */
export function tenantCatalogPrivacy(database: string): string[] {
  return [
    // Earlier Berths commented each database with its plan: readable by every tenant.
    `COMMENT ON DATABASE ${quoteIdent(database)} IS NULL`,
    `REVOKE SELECT ON ${HIDDEN_VIEWS.join(', ')} FROM PUBLIC`,
    `DO $$ DECLARE f regprocedure; BEGIN
       FOR f IN SELECT oid::regprocedure FROM pg_catalog.pg_proc WHERE pronamespace = 'pg_catalog'::regnamespace AND (${HIDDEN_FUNCTIONS_SQL}) LOOP
         EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', f);
       END LOOP;
     END $$`,
  ];
}
