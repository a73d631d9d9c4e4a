// Drives the npm Akismet clients, unchanged, against the service under test and prints
// one JSON line per call: {"client", "method", "result"} or {"client", "method", "error"}.
// Usage: node drive.mjs <port> <api key>
// akismet-api puts the key in the host name (https://<key>.<host>/1.1/...); the names
// under .localtest are sent to 127.0.0.1 by the stand-in DNS below, as a hosts file would.
import dns from "node:dns";
import { createRequire } from "node:module";
import { Author, Blog, CheckResult, Client, Comment } from "@cedx/akismet";

const require = createRequire(import.meta.url);
const { AkismetClient } = require("akismet-api");

const [port, key] = process.argv.slice(2);
const lookup = dns.lookup;
dns.lookup = (hostname, options, callback) => {
	if (!hostname.endsWith(".localtest")) return lookup(hostname, options, callback);
	const cb = typeof options === "function" ? options : callback;
	const all = typeof options === "object" && options?.all;
	return all ? cb(null, [{ address: "127.0.0.1", family: 4 }]) : cb(null, "127.0.0.1", 4);
};

const blog = "https://news.example/";
const resultName = value => Object.keys(CheckResult).find(name => CheckResult[name] === value);
const ham = "Thanks for the write-up. Do you know whether the hospital had offline backups?";

async function call(client, method, run) {
	try {
		console.log(JSON.stringify({ client, method, result: await run() }));
	} catch (error) {
		console.log(JSON.stringify({ client, method, error: String(error?.message ?? error) }));
	}
}

// npm akismet-api 6.x, key in the (lowercased) host name.
const api = new AkismetClient({ key: key.toUpperCase(), blog, host: `rest.localtest:${port}`, protocol: "http" });
const bad = new AkismetClient({ key: "0123456789ab", blog, host: `rest.localtest:${port}`, protocol: "http" });
const apiComment = {
	ip: "203.0.113.7", useragent: "Mozilla/5.0", name: "Dana Whitfield", email: "dana@example.org",
	content: ham, type: "comment", permalink: "https://news.example/2024/05/story/", role: "administrator,super_admin",
};
await call("akismet-api", "verifyKey", () => api.verifyKey());
await call("akismet-api", "verifyKey (unknown key)", () => bad.verifyKey());
await call("akismet-api", "checkSpam", () => api.checkSpam(apiComment));
await call("akismet-api", "checkSpam (guaranteed spam)", () => api.checkSpam({ ...apiComment, role: "", name: "akismet-guaranteed-spam", content: "spam from node" }));
await call("akismet-api", "checkSpam (unknown key)", () => bad.checkSpam(apiComment));
await call("akismet-api", "submitSpam", async () => (await api.submitSpam(apiComment)).text);
await call("akismet-api", "submitHam", async () => (await api.submitHam(apiComment)).text);

// npm @cedx/akismet 16.x, the service's address as its baseUrl.
const cedx = new Client(key, new Blog({ url: blog, charset: "UTF-8", languages: ["en", "fr"] }), { baseUrl: `http://127.0.0.1:${port}/` });
const cedxBad = new Client("0123456789ab", new Blog({ url: blog }), { baseUrl: `http://127.0.0.1:${port}/` });
const comment = new Comment({
	author: new Author({ ipAddress: "198.51.100.9", name: "Ana", email: "ana@example.org", userAgent: "Mozilla/5.0", url: "https://ana.example.org" }),
	content: "I work in a hospital lab; our backups are tested every quarter.",
	context: ["security", "health"],
	permalink: "https://news.example/2024/05/story/",
	type: "comment",
});
await call("@cedx/akismet", "verifyKey", () => cedx.verifyKey());
await call("@cedx/akismet", "verifyKey (unknown key)", () => cedxBad.verifyKey());
await call("@cedx/akismet", "checkComment", async () => resultName(await cedx.checkComment(comment)));
await call("@cedx/akismet", "submitSpam", async () => { await cedx.submitSpam(comment); return "ok"; });
await call("@cedx/akismet", "submitHam", async () => { await cedx.submitHam(comment); return "ok"; });
const tester = new Client(key, new Blog({ url: blog }), { baseUrl: `http://127.0.0.1:${port}/`, isTest: true });
await call("@cedx/akismet", "checkComment (isTest)", async () => resultName(await tester.checkComment(new Comment({ author: new Author({ ipAddress: "198.51.100.10" }), content: "test only" }))));
await call("@cedx/akismet", "submitSpam (isTest)", async () => { await tester.submitSpam(new Comment({ author: new Author({ ipAddress: "198.51.100.10" }), content: "test only" })); return "ok"; });
await call("@cedx/akismet", "checkComment (no user_ip)", () => cedx.checkComment(new Comment({ author: new Author({ ipAddress: "" }), content: "x" })));
