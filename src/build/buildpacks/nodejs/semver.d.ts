// The part of the `semver` package (npm's own range rules) Berth uses. It ships no types and
// @types/semver is not installed; delete this file when it is.
declare module 'semver' {
  interface SemVer { readonly version: string }
  const semver: {
    valid(version: string): string | null;
    validRange(range: string): string | null;
    prerelease(version: string): ReadonlyArray<string | number> | null;
    major(version: string): number;
    gt(a: string, b: string): boolean;
    maxSatisfying(versions: readonly string[], range: string): string | null;
    parse(version: string): SemVer | null;
  };
  export default semver;
}
