// Types for offline-reflection.mjs.
export function isReflectionPrompt(text: string): boolean;
export function offlineReflection(text: string): string;
export function followInstructions(answer: string, system: string): string;
