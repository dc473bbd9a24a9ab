/**
 * Accounts v2 (CONTRACT.md "Accounts v2", seed 003 §13.1): export and import of everything of the
 * calling user, each one operation of the accounts service. An import larger than MAX_IMPORT_ITEMS is
 * refused here, before the bus (413); it may take a while, so it waits longer than other requests.
 */
import {
  ACCOUNTS_SERVICE,
  EXPORT_FORMAT,
  exportRequestSchema,
  importItemCount,
  importRequestSchema,
  MAX_IMPORT_ITEMS,
  transferOperations,
} from '@cairn/shared/contracts';
import { DomainError } from '@cairn/shared/http';
import { type AnyRpcRoute, rpcRoute } from '../rpc-route.js';

const service = ACCOUNTS_SERVICE;
const tags = ['transfer'];

/** A full import of MAX_IMPORT_ITEMS resources runs thousands of commands. */
const IMPORT_TIMEOUT_MS = 120_000;

const EXPORT_DESCRIPTION = `One JSON document \`{format: "${EXPORT_FORMAT}", formatVersion: 1, exportedAt, ownerId,
includesCredentials, accounts, groups, tags, settings, machineIds: {config, bindings, history?}}\` holding every
resource as its own GET shows it (ids, versions, timestamps), soft-deleted accounts included.

**Credentials are left out unless \`includeCredentials=true\`**: with it, each account carries its decrypted
\`credentials\` (null when none), and the document is as sensitive as the accounts themselves; keep it safe.
Such exports are logged (never their content). \`includeHistory=false\` leaves out the machine-id history.
A document larger than the service's limit (CAIRN_ACCOUNTS_EXPORT_MAX_BYTES, about 1 MB) is refused with 413.`;

const IMPORT_DESCRIPTION = `Applies an export document as ordinary writes (the same events, versions and reactions as the
API's own), each resource on its own, and reports \`{mode, dryRun, summary: {created, updated, skipped, conflicts,
deleted, failed}, items: [{resource, id, action, error?}]}\`.

- A resource the user lacks is **created** with the document's id (versions start at 1).
- One with the same content is **skipped** (versions and timestamps are not compared).
- One that differs is **updated** when the document's version is at least the server's (the document wins),
  and is a **conflict** otherwise: the server's copy changed after the document's was taken, and is kept.
- \`mode: "replace"\` also **deletes** what the user has and the document lacks: accounts are soft-deleted (they
  can be restored), groups and tags deleted, bindings removed. Settings cannot be deleted and stay.
- \`dryRun: true\` answers the same report and changes nothing.

Accounts keep their credentials unless the document names them (\`credentials\`: an object, or null for none).
Soft-deleted accounts are imported soft-deleted. The machine-id history is not imported (binds and unbinds of the
import write their own entries). The document is checked whole first: a malformed one is 400 VALIDATION_ERROR
naming each field, and changes nothing. At most ${MAX_IMPORT_ITEMS} resources (accounts, groups, tags, settings and
bindings together); more is 413. Honours Idempotency-Key.`;

export const transferRoutes: readonly AnyRpcRoute[] = [
  rpcRoute({
    method: 'GET',
    url: '/api/v2/export',
    auth: 'user',
    service,
    operation: 'exportData',
    schema: { querystring: exportRequestSchema },
    result: transferOperations.exportData.result,
    timeoutMs: 30_000,
    summary: 'Export everything of yours as one versioned JSON document (credentials only if asked)',
    description: EXPORT_DESCRIPTION,
    tags,
  }),
  rpcRoute({
    method: 'POST',
    url: '/api/v2/import',
    auth: 'user',
    service,
    operation: 'importData',
    schema: { body: importRequestSchema },
    payload: ({ body }) => {
      const count = importItemCount(body.data);
      if (count > MAX_IMPORT_ITEMS) {
        throw new DomainError('PAYLOAD_TOO_LARGE', `An import holds at most ${MAX_IMPORT_ITEMS} resources`, {
          limit: MAX_IMPORT_ITEMS,
          received: count,
        });
      }
      return body;
    },
    result: transferOperations.importData.result,
    timeoutMs: IMPORT_TIMEOUT_MS,
    summary: 'Import an export document: merge or replace, or only see what would happen (dryRun)',
    description: IMPORT_DESCRIPTION,
    tags,
  }),
];
