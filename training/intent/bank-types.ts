// Shape of a hand-written phrase bank for one language (see banks-*.ts and compose.ts).

export interface LanguageBank {
  lang: string;
  topics: string[];
  counts: string[];
  generation: {
    items: string[];
    openers: string[];
    asks: string[];
    rules: string[];
    formats: string[];
    closers: string[];
  };
  annotation: { items: string[]; labels: string[]; openers: string[]; asks: string[]; formats: string[] };
  evaluation: { openers: string[]; asks: string[]; rubrics: string[] };
  reasoning: { items: string[]; openers: string[]; asks: string[]; formats: string[] };
  /** Benign requests, many of them hard negatives (one example, a class quiz, grading one's own essay). */
  benign: { asks: string[] };
}
