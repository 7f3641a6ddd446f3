/**
 * Nest injection token of the NationalAdapter the delivery loop calls: the one LGSP_NATIONAL_ADAPTER names,
 * built by `createNationalAdapter` (@lgsp/national). A decorator (the message log's LoggedNationalAdapter, say)
 * wraps it by providing this token over the factory's result.
 */
export const NATIONAL_ADAPTER = Symbol('LGSP_NATIONAL_ADAPTER');

/** Settings of the national side (LGSP_NATIONAL_ADAPTER and its variables). */
export const NATIONAL_ADAPTER_SETTINGS = Symbol('LGSP_NATIONAL_ADAPTER_SETTINGS');
