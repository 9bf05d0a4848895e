// `--format` for the commands that write one document (inventory, report, firmware audit,
// policy simulate, policy status). `json` is their JSON; `jsonl` (the record stream of analyze
// and watch) is refused with a message that names both, so the two spellings never surprise.
import { InvalidArgumentError, Option } from 'commander';

export function documentFormat<const F extends string>(
  choices: readonly F[],
  fallback: NoInfer<F>,
  description = 'output format',
): Option {
  return new Option('-f, --format <format>', description)
    .choices([...choices])
    .default(fallback)
    .argParser((v: string): F => {
      if ((choices as readonly string[]).includes(v)) return v as F;
      if (v === 'jsonl' && (choices as readonly string[]).includes('json'))
        throw new InvalidArgumentError(
          'jsonl is the record stream of analyze and watch; this command writes one JSON document: use --format json',
        );
      throw new InvalidArgumentError(`Allowed choices are ${choices.join(', ')}.`);
    });
}
