/** `@mlinfra/datasets` (work in progress). @packageDocumentation */
export const PACKAGE_NAME = '@mlinfra/datasets';
