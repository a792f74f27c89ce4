// The line prefix a containerised build prints before its JSON result, for the host to read.
export const RESULT_MARKER = '::berth-build-result::';
/**
 * …or, when it fails, before the reason: the host throws it as the build's error, and the deploy
 * pipeline prints it once (rather than the build printing it and the host a vaguer second line).
 */
export const FAILURE_MARKER = '::berth-build-failure::';
