import type { Server } from 'node:http';
import type { LanguageModel } from '@dspy-ts/core';
import type { SessionStore } from '@dspy-ts/session';

export declare const SupportChat: string;
export declare function createChatServer(options: { store: SessionStore; lm?: LanguageModel }): Server;
/** Listens on `port` (host 127.0.0.1); a busy or forbidden port rejects with a one-line message and its `code`. */
export declare function listen(server: Server, port: number, host?: string): Promise<unknown>;
/** Closes the server and cuts open connections, then runs `closers`. */
export declare function closeNow(server: Server, closers?: Array<() => Promise<unknown>>): Promise<void>;
