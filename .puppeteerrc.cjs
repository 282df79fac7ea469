// The project uses an installed Chromium (Debian's /usr/bin/chromium, or PUPPETEER_EXECUTABLE_PATH);
// npm installs must not try to download a browser (there is no network for it in CI).
module.exports = { skipDownload: true };
