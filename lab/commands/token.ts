/** `faultline token [--subject alice] [--ttl 3600]`: a bearer token for the gateway's order routes. */
import type { Command } from 'commander';
import { LabError } from '../../errors/lab-error.ts';
import { MAX_TOKEN_LIFETIME_SECONDS, mintToken } from '../../target-app/src/contracts/customer-token.ts';
import { readLabSecrets } from '../secrets.ts';


export function registerTokenCommand(program: Command): void {
  program
    .command('token')
    .description("mint an HS256 bearer token for the gateway's order routes, signed with this lab's JWT secret (.lab/secrets.json, made by `make up`)")
    .option('--subject <name>', 'the customer the token speaks for', 'lab-user')
    .option('--ttl <seconds>', 'lifetime in seconds', '3600')
    .action(async (options: { subject: string; ttl: string }) => {
      const ttlSeconds = Number(options.ttl);
      if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > MAX_TOKEN_LIFETIME_SECONDS) {
        throw new LabError('LAB_ERR_BAD_TTL', `--ttl ${options.ttl} is not a lifetime: give whole seconds from 1 to ${MAX_TOKEN_LIFETIME_SECONDS}`);
      }
      if (!/^[A-Za-z0-9._@:-]{1,128}$/.test(options.subject)) {
        throw new LabError('LAB_ERR_BAD_SUBJECT', `--subject ${options.subject} is not a customer id: use 1 to 128 letters, digits or ._@:-`);
      }
      const { jwtSecret } = readLabSecrets();
      process.stdout.write(`${await mintToken({ secret: jwtSecret, subject: options.subject, ttlSeconds })}\n`);
    });
}
