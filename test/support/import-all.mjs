// Imports each module named on the command line, one after another, and prints one JSON line per
// module that fails to load: {"file": ..., "error": ...}. Exit status 0 whatever the modules do,
// unless an import never settles (a module exporting `then`): Node then exits 13, and the last
// "importing" line on stderr names the module.
import { pathToFileURL } from "node:url";

for (const file of process.argv.slice(2)) {
  console.error(`importing ${file}`);
  try {
    await import(pathToFileURL(file).href);
  } catch (error) {
    console.log(
      JSON.stringify({
        file,
        error: String(error?.stack ?? error)
          .split("\n")
          .slice(0, 4)
          .join("\n"),
      }),
    );
  }
}
