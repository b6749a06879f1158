/** `@mlinfra/cost` (work in progress). @packageDocumentation */
export const PACKAGE_NAME = '@mlinfra/cost';
