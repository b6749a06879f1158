/** A numeric sample accepted by the statistics: a plain array or any typed array. */
export type NumericSample = ArrayLike<number>;

/** A categorical sample: strings, numbers or booleans compared by value. */
export type CategoricalSample = ArrayLike<string | number | boolean>;
