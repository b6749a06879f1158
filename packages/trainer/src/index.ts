/** `@mlinfra/trainer` (work in progress). @packageDocumentation */
export const PACKAGE_NAME = '@mlinfra/trainer';
