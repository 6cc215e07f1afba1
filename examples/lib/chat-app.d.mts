import type { Server } from 'node:http';
import type { LanguageModel } from '@dspy-ts/core';
import type { SessionStore } from '@dspy-ts/session';

export declare const SupportChat: string;
export declare function createChatServer(options: { store: SessionStore; lm?: LanguageModel }): Server;
