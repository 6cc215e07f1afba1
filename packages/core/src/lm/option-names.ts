import { ConfigurationError } from '../errors.js';

// Python spellings of the LM's own options. Given as request defaults they would be sent to the
// provider and saved with the program (an `api_key` would not even authenticate), so each is an
// error that names our spelling.
const PYTHON_SPELLINGS: Readonly<Record<string, string>> = {
  api_key: 'apiKey',
  api_base: 'baseURL',
  base_url: 'baseURL',
  max_tokens: 'maxTokens',
  max_completion_tokens: 'maxTokens',
  num_retries: 'numRetries',
  retry_base_ms: 'retryBaseMs',
  retry_max_ms: 'retryMaxMs',
  timeout_ms: 'timeoutMs',
  timeout: 'timeoutMs',
};

// Matched against the name lowercased without `_` and `-`. `token` must end the name, so the
// token-count parameters (`max_tokens`, `top_logprobs`) never match; a bare `key` would catch
// OpenAI's `prompt_cache_key`, so only the credential forms of it do.
const SECRET_NAME =
  /(apikey|accesskey|secretkey|privatekey|secret|password|passwd|token|auth|authorization|credential|credentials|bearer|cookie)$/;

/** True when an option name reads like a credential (`api_key`, `secret`, `access_token`, ...). */
export const looksLikeSecret = (name: string): boolean =>
  SECRET_NAME.test(name.toLowerCase().replace(/[_-]/g, ''));

/**
 * Refuses request defaults that are really misspelled LM options or credentials: request
 * defaults are sent as given, kept in `kwargs` and written by `dumpState()` into program files.
 */
export function checkRequestDefaultNames(names: Iterable<string>): void {
  for (const name of names) {
    const spelling = PYTHON_SPELLINGS[name];
    if (spelling !== undefined) {
      throw new ConfigurationError(
        `Unknown LM option \`${name}\`: did you mean \`${spelling}\`? new LM(model, { ${spelling}: ... }).`,
      );
    }
    if (looksLikeSecret(name)) {
      throw new ConfigurationError(
        `LM option \`${name}\` looks like a secret, and request defaults are saved with the program. ` +
          'Pass the API key as `apiKey` (or OPENAI_API_KEY) and other credentials in `headers`.',
      );
    }
  }
}
