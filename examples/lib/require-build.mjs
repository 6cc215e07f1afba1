/**
 * The examples run as plain Node over the packages' built `dist`. Before a build, Node fails with
 * ERR_MODULE_NOT_FOUND and a stack trace; this says what to do in one line instead.
 */
export const BUILD_FIRST =
  'The dspy-ts packages are not built yet: run `npx -y pnpm@10 run build` (from the repository root) first.';

/** True for the error Node throws when a package's `dist` entry point does not exist. */
export const isMissingBuild = (error) =>
  error?.code === 'ERR_MODULE_NOT_FOUND' &&
  /(@dspy-ts|[\\/]packages)[\\/][^\\/]+[\\/]dist[\\/]/.test(String(error.message));

/** Runs `load` (the script's imports); a missing build prints BUILD_FIRST and exits with status 1. */
export async function importBuilt(load) {
  try {
    return await load();
  } catch (error) {
    if (!isMissingBuild(error)) throw error;
    console.error(BUILD_FIRST);
    process.exit(1);
  }
}
