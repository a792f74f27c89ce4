// The line prefix a containerised build prints before its JSON result, for the host to read.
export const RESULT_MARKER = '::berth-build-result::';
