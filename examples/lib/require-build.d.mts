// Types for require-build.mjs.
export declare const BUILD_FIRST: string;
export declare function isMissingBuild(error: unknown): boolean;
export declare function importBuilt<T>(load: () => Promise<T>): Promise<T>;
