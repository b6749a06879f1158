/** `@mlinfra/drift` (work in progress). @packageDocumentation */
export const PACKAGE_NAME = '@mlinfra/drift';
