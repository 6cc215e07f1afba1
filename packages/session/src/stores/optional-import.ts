import { ConfigurationError } from '@dspy-ts/core';

const isModuleNotFound = (error: unknown): boolean => {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
};

/**
 * Loads the first installed package of `loaders` (optional peer dependencies are imported only by
 * the store that needs them). Throws ConfigurationError naming the packages to install.
 */
export async function importOptional<T>(
  store: string,
  loaders: ReadonlyArray<readonly [name: string, load: () => Promise<T>]>,
  alternative: string,
): Promise<T> {
  for (const [, load] of loaders) {
    try {
      return await load();
    } catch (error) {
      if (!isModuleNotFound(error)) throw error;
    }
  }
  const names = loaders.map(([name]) => `\`${name}\``).join(' or ');
  throw new ConfigurationError(
    `${store} needs the ${names} package, an optional peer dependency of @dspy-ts/session: ` +
      `install it (npm install ${loaders[0]![0]}) or ${alternative}.`,
  );
}
