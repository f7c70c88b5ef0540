// Upload one file with tus-js-client (Node.js), as a browser running Uppy would.
// Usage: node upload.mjs ENDPOINT TOKEN FILE CHUNK_BYTES FILETYPE
// Prints {"url": ...} once the upload is complete; exits 1 with the error otherwise.
import fs from "node:fs";
import path from "node:path";
import * as tus from "tus-js-client";

const [endpoint, token, file, chunkBytes, filetype] = process.argv.slice(2);
const size = fs.statSync(file).size;
let progressCalls = 0;

const upload = new tus.Upload(fs.createReadStream(file), {
  endpoint,
  uploadSize: size,
  chunkSize: Number(chunkBytes),
  headers: { Authorization: `Bearer ${token}` },
  metadata: { filename: path.basename(file), filetype },
  retryDelays: [0, 100, 500],
  storeFingerprintForResuming: false,
  onProgress: () => { progressCalls += 1; },
  onError: (error) => {
    console.error(String(error));
    process.exit(1);
  },
  onSuccess: () => {
    console.log(JSON.stringify({ url: upload.url, progressCalls }));
  },
});
upload.start();
