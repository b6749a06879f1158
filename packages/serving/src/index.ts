/** `@mlinfra/serving` (work in progress). @packageDocumentation */
export const PACKAGE_NAME = '@mlinfra/serving';
