/**
 * Formats generated TypeScript with prettier's standalone build and only the plugins TypeScript
 * needs: no config-file lookup per file, and prettier's defaults so `prettier --check` passes in
 * a project without a prettier config.
 */
export async function createFormatter(): Promise<(text: string) => Promise<string>> {
  const [prettier, typescript, estree] = await Promise.all([
    import("prettier/standalone"),
    import("prettier/plugins/typescript"),
    import("prettier/plugins/estree"),
  ]);
  const plugins = [typescript.default ?? typescript, estree.default ?? estree];
  return (text) => prettier.format(text, { parser: "typescript", plugins });
}
