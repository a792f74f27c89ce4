// The store's part of add-ons: the add-ons themselves, their attachments to apps, their backups.
import type { Addon, AddonAttachment, AddonBackup } from '../domain/addon.js';
import type { Id } from '../domain/types.js';

export type NewAddon = Pick<Addon, 'name' | 'appId' | 'service' | 'plan' | 'state'>;
export type NewAttachment = Pick<AddonAttachment, 'addonId' | 'appId' | 'name'>;

export interface AddonRepo {
  /** Fails with name_taken when the add-on name is in use. */
  create(a: NewAddon): Promise<Addon>;
  byId(id: Id): Promise<Addon | undefined>;
  byName(name: string): Promise<Addon | undefined>;
  /** Every add-on, or those owned by one app; ordered by creation. */
  list(filter?: { appId?: Id }): Promise<Addon[]>;
  setState(id: Id, state: Addon['state']): Promise<void>;
  /** Deletes the add-on with its attachments and backup records. */
  delete(id: Id): Promise<void>;

  /** Fails with name_taken when the app already has an attachment of that name. */
  attach(a: NewAttachment): Promise<AddonAttachment>;
  attachmentById(id: Id): Promise<AddonAttachment | undefined>;
  /** Attachments of one app, or of one add-on; ordered by creation. */
  attachments(filter: { appId?: Id; addonId?: Id }): Promise<AddonAttachment[]>;
  detach(id: Id): Promise<void>;

  /** Numbers the backup 1, 2, 3… per add-on. */
  createBackup(b: Pick<AddonBackup, 'addonId' | 'appId'>): Promise<AddonBackup>;
  finishBackup(id: Id, result: { status: 'succeeded' | 'failed'; sizeBytes: number }): Promise<AddonBackup>;
  backups(addonId: Id): Promise<AddonBackup[]>;
  backupByNum(addonId: Id, num: number): Promise<AddonBackup | undefined>;
  deleteBackup(id: Id): Promise<void>;
}
