// What every SQLite repository needs besides the connection: the time and new ids.
export interface RepoContext {
  now(): string;
  newId(): string;
}
