// Every command of the berth CLI, in one list: dispatch and help both read it.
import type { CommandDefinition } from './command.js';
import { addons, addonsAttach, addonsCreate, addonsDestroy, addonsDetach, addonsInfo } from './commands/addons.js';
import { access, accessAdd, accessRemove, accessUpdate } from './commands/access.js';
import { apps, appsCreate, appsDestroy, appsInfo, appsRename, appsTransfer } from './commands/apps.js';
import { audit } from './commands/audit.js';
import { login, logout, token, whoami } from './commands/auth.js';
import { authorizations, authorizationsRevoke } from './commands/authorizations.js';
import { buildpacks, buildpacksAdd, buildpacksClear, buildpacksRemove, buildpacksSet } from './commands/buildpacks.js';
import { config, configGet, configSet, configUnset } from './commands/config.js';
import { apiCertificate, certsAuto, certsAutoDisable, certsAutoEnable, certsAutoRefresh } from './commands/certs-auto.js';
import { cron, cronResume, cronRun, cronSuspend } from './commands/cron.js';
import { drains, drainsAdd, drainsRemove } from './commands/drains.js';
import { gitRemote } from './commands/git.js';
import { deploy } from './commands/deploy.js';
import { certs, certsAdd, certsInfo, certsRemove, certsUpdate } from './commands/certs.js';
import { domains, domainsAdd, domainsClear, domainsInfo, domainsRemove, domainsUpdate, domainsWait } from './commands/domains.js';
import { features, featuresDisable, featuresEnable } from './commands/features.js';
import { logs } from './commands/logs.js';
import { metrics } from './commands/metrics.js';
import { nodes, nodesActivate, nodesDrain, nodesJoinCommand, nodesRemove } from './commands/nodes.js';
import { maintenance, maintenanceOff, maintenanceOn } from './commands/maintenance.js';
import { metricsToken } from './commands/metrics-token.js';
import { pgBackups, pgBackupsCapture, pgBackupsDownload, pgBackupsRestore, pgPsql } from './commands/pg.js';
import { ps, psRestart, psScale, psStop, psType } from './commands/ps.js';
import { redisCli } from './commands/redis.js';
import { releases, releasesInfo, releasesRollback } from './commands/releases.js';
import { run, runDetached } from './commands/run.js';
import { stack, stackBuild, stackSet } from './commands/stack.js';
import { quotas, quotasSet } from './commands/quotas.js';
import { prices, pricesSet, usage } from './commands/usage.js';
import { members, membersAdd, membersRemove, membersSet, teams, teamsCreate } from './commands/teams.js';
import { users, usersAdd, usersRemove } from './commands/users.js';
import {
  webhooks, webhooksAdd, webhooksDeliveries, webhooksDeliveriesInfo, webhooksEvents, webhooksEventsInfo, webhooksInfo, webhooksRemove, webhooksUpdate,
} from './commands/webhooks.js';

export const COMMANDS: readonly CommandDefinition[] = [
  login, logout, whoami, token,
  apps, appsCreate, appsInfo, appsRename, appsDestroy, appsTransfer,
  teams, teamsCreate, members, membersAdd, membersSet, membersRemove,
  access, accessAdd, accessUpdate, accessRemove,
  config, configGet, configSet, configUnset,
  releases, releasesInfo, releasesRollback,
  deploy, logs, metrics, drains, drainsAdd, drainsRemove,
  maintenance, maintenanceOn, maintenanceOff,
  ps, psScale, psRestart, psStop, psType,
  run, runDetached,
  cron, cronRun, cronSuspend, cronResume,
  webhooks, webhooksAdd, webhooksInfo, webhooksUpdate, webhooksRemove, webhooksDeliveries, webhooksDeliveriesInfo, webhooksEvents, webhooksEventsInfo,
  certsAuto, certsAutoEnable, certsAutoDisable, certsAutoRefresh, apiCertificate,
  buildpacks, buildpacksSet, buildpacksAdd, buildpacksRemove, buildpacksClear,
  stack, stackSet, stackBuild,
  features, featuresEnable, featuresDisable,
  domains, domainsAdd, domainsInfo, domainsUpdate, domainsRemove, domainsClear, domainsWait,
  certs, certsAdd, certsInfo, certsUpdate, certsRemove,
  users, usersAdd, usersRemove,
  nodes, nodesJoinCommand, nodesDrain, nodesActivate, nodesRemove,
  usage, prices, pricesSet, quotas, quotasSet,
  metricsToken,
  authorizations, authorizationsRevoke,
  audit,
  gitRemote,
  addons, addonsCreate, addonsInfo, addonsAttach, addonsDetach, addonsDestroy,
  pgPsql, pgBackups, pgBackupsCapture, pgBackupsRestore, pgBackupsDownload, redisCli,
];
