// Whether Berth runs as root: the one place that asks the operating system. Root is what lets Berth
// sandbox instances and builds under per-app users, give add-on servers their own account and memory
// group, and keep its state in /var/lib/berth. main/ decides once and passes it to what needs it;
// tests pass the answer they want to exercise.

export interface Privileges {
  readonly root: boolean;
}

export const currentPrivileges = (): Privileges => ({ root: process.getuid?.() === 0 });
