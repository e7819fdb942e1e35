// Test fixture: a self-instruct / Alpaca style data-generation meta-prompt (Wang et al. 2023; Taori et
// al. 2023) with varying seed tasks, as a distillation pipeline sends it. Shared by the enforcement suites.

export const SEED_TASKS = [
  'write a haiku about autumn',
  'explain photosynthesis to a child',
  'convert 5 miles to kilometers',
  'list three uses of vinegar',
  'summarize the plot of Hamlet',
  'give a recipe for pancakes',
  'describe how a bicycle works',
  'translate hello into French',
  'suggest a name for a bakery',
  'explain what a prime number is',
  'write a limerick about a cat',
  'give tips for better sleep',
  'what causes rain',
  'how do vaccines work',
];

/** The i-th request of the pipeline: the same template, three different seed tasks. */
export function selfInstructPrompt(i: number): string {
  const seed = (k: number) => SEED_TASKS[k % SEED_TASKS.length];
  return (
    'You are asked to come up with a set of 20 diverse task instructions. These task instructions will be ' +
    'given to a GPT model and we will evaluate the GPT model for completing the instructions. Here are the ' +
    'requirements: 1. Try not to repeat the verb for each instruction to maximize diversity. 2. The language ' +
    'used for the instruction also should be diverse. 3. The type of instructions should be diverse. Output ' +
    'JSON lines with "instruction", "input" and "output" fields.\n' +
    `Seed task 1: ${seed(i)}\nSeed task 2: ${seed(i * 7 + 3)}\nSeed task 3: ${seed(i * 5 + 1)}\nList of 20 tasks:`
  );
}
