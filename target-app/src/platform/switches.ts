/**
 * Runtime switches of a service: a flat zod object whose every field has a default. Read once
 * at start (from the SWITCHES env JSON), changed at run time by PATCH /admin/config with a
 * partial object that is validated as a whole before it takes effect.
 */
import type { z } from 'zod';
import { ProblemError } from './problem.ts';

export type SwitchSchema = z.ZodObject<Record<string, z.ZodType>>;
type Listener<T> = (next: T, previous: T) => void;

export class Switches<S extends SwitchSchema> {
  readonly schema: S;
  private value: z.infer<S>;
  private readonly listeners: Listener<z.infer<S>>[] = [];

  constructor(schema: S, initial: unknown = {}) {
    this.schema = schema;
    const parsed = schema.strict().safeParse(initial ?? {});
    if (!parsed.success) {
      throw new Error(`bad initial switches: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    }
    this.value = Object.freeze(parsed.data) as z.infer<S>;
  }

  /** The switches in force (a frozen object: read it again after a change). */
  get current(): z.infer<S> {
    return this.value;
  }

  /** Applies a partial change; throws ProblemError (400/422) and changes nothing when invalid. */
  patch(partial: unknown): z.infer<S> {
    if (partial === null || typeof partial !== 'object' || Array.isArray(partial)) {
      throw new ProblemError('malformed-body', 'PATCH /admin/config takes a JSON object of switches');
    }
    const merged = { ...this.value, ...partial };
    const parsed = this.schema.strict().safeParse(merged);
    if (!parsed.success) {
      const errors = parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
      throw new ProblemError('invalid-body', errors.map((e) => `${e.path}: ${e.message}`).join('; '), { extensions: { errors } });
    }
    const previous = this.value;
    this.value = Object.freeze(parsed.data) as z.infer<S>;
    for (const listener of this.listeners) listener(this.value, previous);
    return this.value;
  }

  /** Called after every accepted change (rebuild a breaker, resize a limiter...). */
  onChange(listener: Listener<z.infer<S>>): void {
    this.listeners.push(listener);
  }
}
