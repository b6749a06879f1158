/** `@mlinfra/registry` (work in progress). @packageDocumentation */
export const PACKAGE_NAME = '@mlinfra/registry';
