// The catalogue of finding kinds the seeded tenant draws from. Each entry reads like a real
// finding of its scanner, with a small unified-diff hunk that an autofix would propose.
#include "seeddata.h"

namespace nullify::sandbox::seed {

namespace {

using T = FindingType;
using S = Severity;

// A finding without a package: every kind but dependencies and containers.
FindingTemplate finding(T type,
                        const char* language,
                        const char* title,
                        int cwe,
                        const char* ruleId,
                        const char* category,
                        const char* file,
                        const char* message,
                        const char* patch,
                        S severity,
                        const char* endpoint = "")
{
    return {type, language, title, cwe, ruleId, category, file, message, patch, "", "", "", "", severity, endpoint};
}

QList<FindingTemplate> buildTemplates()
{
    return {
        // --- Code (SAST), by language --------------------------------------------------------
        finding(
            T::Code,
            "Go",
            "SQL query built with fmt.Sprintf from request data",
            89,
            "go.lang.security.audit.database.string-formatted-query",
            "Injection",
            "internal/orders/repository.go",
            "A SQL statement is formatted with a value that comes from the request; use a parameterised query.",
            " func (r *Repository) ListByCustomer(ctx context.Context, customerID string) ([]Order, error) {\n"
            "-\tquery := fmt.Sprintf(\"SELECT id, total, status FROM orders WHERE customer_id = '%s'\", customerID)\n"
            "-\trows, err := r.db.QueryContext(ctx, query)\n"
            "+\trows, err := r.db.QueryContext(ctx,\n"
            "+\t\t\"SELECT id, total, status FROM orders WHERE customer_id = $1\", customerID)\n"
            " \tif err != nil {\n"
            " \t\treturn nil, fmt.Errorf(\"list orders: %w\", err)",
            S::High),
        finding(T::Code,
                "Go",
                "Server-side request forgery through webhook URL",
                918,
                "go.lang.security.injection.tainted-url-host",
                "Server-Side Request Forgery",
                "internal/webhooks/dispatcher.go",
                "An outbound HTTP request uses a URL taken from user-controlled webhook settings without validation.",
                " \tbody, _ := json.Marshal(event)\n"
                "-\tresp, err := http.Post(hook.URL, \"application/json\", bytes.NewReader(body))\n"
                "+\tif err := d.allowlist.Check(hook.URL); err != nil {\n"
                "+\t\treturn fmt.Errorf(\"webhook %s rejected: %w\", hook.ID, err)\n"
                "+\t}\n"
                "+\tresp, err := d.client.Post(hook.URL, \"application/json\", bytes.NewReader(body))\n"
                " \tif err != nil {\n"
                " \t\treturn err",
                S::High),
        finding(T::Code,
                "Go",
                "Password hashed with MD5",
                328,
                "go.lang.security.audit.crypto.use-of-md5",
                "Cryptography",
                "pkg/auth/password.go",
                "MD5 is not a password hashing function; use bcrypt or argon2id.",
                " func HashPassword(password string) (string, error) {\n"
                "-\tsum := md5.Sum([]byte(password))\n"
                "-\treturn hex.EncodeToString(sum[:]), nil\n"
                "+\thash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)\n"
                "+\tif err != nil {\n"
                "+\t\treturn \"\", fmt.Errorf(\"hash password: %w\", err)\n"
                "+\t}\n"
                "+\treturn string(hash), nil\n"
                " }",
                S::Medium),
        finding(T::Code,
                "Go",
                "Path traversal in file download handler",
                22,
                "go.lang.security.filepath-clean-misuse",
                "Path Traversal",
                "internal/files/download.go",
                "A file path is joined with a query parameter that can contain \"../\" segments.",
                " func (h *DownloadHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {\n"
                "-\tpath := filepath.Join(h.root, r.URL.Query().Get(\"name\"))\n"
                "+\tname := filepath.Base(filepath.Clean(\"/\" + r.URL.Query().Get(\"name\")))\n"
                "+\tpath := filepath.Join(h.root, name)\n"
                " \thttp.ServeFile(w, r, path)\n"
                " }",
                S::High),
        finding(T::Code,
                "Python",
                "SQL injection through f-string query",
                89,
                "python.django.security.injection.sql.sql-injection-using-raw",
                "Injection",
                "app/repositories/users.py",
                "A raw SQL query is built with an f-string containing request data.",
                "     def find_by_email(self, email: str) -> User | None:\n"
                "         with self._conn.cursor() as cursor:\n"
                "-            cursor.execute(f\"SELECT id, email, role FROM users WHERE email = '{email}'\")\n"
                "+            cursor.execute(\"SELECT id, email, role FROM users WHERE email = %s\", (email,))\n"
                "             row = cursor.fetchone()",
                S::Critical),
        finding(T::Code,
                "Python",
                "OS command injection in thumbnail task",
                78,
                "python.lang.security.audit.dangerous-system-call",
                "Injection",
                "app/tasks/thumbnails.py",
                "os.system runs a shell command built from an uploaded file name.",
                " def make_thumbnail(src: str, dst: str) -> None:\n"
                "-    os.system(f\"convert {src} -resize 256x256 {dst}\")\n"
                "+    subprocess.run([\"convert\", src, \"-resize\", \"256x256\", dst], check=True, timeout=30)\n"
                " ",
                S::Critical),
        finding(T::Code,
                "Python",
                "Untrusted data deserialised with pickle",
                502,
                "python.lang.security.deserialization.avoid-pickle",
                "Deserialization",
                "app/cache/session_store.py",
                "Session data read from Redis is unpickled; a forged entry runs arbitrary code.",
                "         raw = self._redis.get(f\"session:{session_id}\")\n"
                "         if raw is None:\n"
                "             return None\n"
                "-        return pickle.loads(raw)\n"
                "+        return json.loads(raw)",
                S::High),
        finding(T::Code,
                "Python",
                "yaml.load without a safe loader",
                20,
                "python.lang.security.deserialization.avoid-pyyaml-load",
                "Deserialization",
                "app/config/loader.py",
                "yaml.load can construct arbitrary Python objects.",
                " def load_settings(path: Path) -> dict:\n"
                "     with path.open() as handle:\n"
                "-        return yaml.load(handle, Loader=yaml.Loader)\n"
                "+        return yaml.safe_load(handle)",
                S::Medium),
        finding(T::Code,
                "TypeScript",
                "Cross-site scripting via dangerouslySetInnerHTML",
                79,
                "typescript.react.security.audit.react-dangerouslysetinnerhtml",
                "Cross-Site Scripting",
                "src/components/CommentBody.tsx",
                "User-supplied comment HTML is rendered without sanitisation.",
                " export function CommentBody({ comment }: Props) {\n"
                "-  return <div className=\"comment\" dangerouslySetInnerHTML={{ __html: comment.body }} />;\n"
                "+  return <div className=\"comment\">{comment.body}</div>;\n"
                " }",
                S::High),
        finding(T::Code,
                "TypeScript",
                "Open redirect after login",
                601,
                "javascript.express.security.audit.express-open-redirect",
                "Open Redirect",
                "src/routes/login.ts",
                "The post-login redirect target comes straight from the query string.",
                "   req.session.userId = user.id;\n"
                "-  res.redirect(req.query.next as string);\n"
                "+  const next = typeof req.query.next === \"string\" && req.query.next.startsWith(\"/\") ? "
                "req.query.next : "
                "\"/\";\n"
                "+  res.redirect(next);\n"
                " });",
                S::Medium),
        finding(
            T::Code,
            "TypeScript",
            "NoSQL injection in account lookup",
            943,
            "javascript.express.security.injection.tainted-nosql-query",
            "Injection",
            "src/services/accounts.ts",
            "Request body fields are used as a MongoDB query object and can carry operators such as $ne.",
            " export async function findAccount(req: Request) {\n"
            "-  return db.collection(\"accounts\").findOne({ username: req.body.username, password: req.body.password "
            "});\n"
            "+  const account = await db.collection(\"accounts\").findOne({ username: String(req.body.username) });\n"
            "+  return account && (await verifyPassword(account, String(req.body.password))) ? account : null;\n"
            " }",
            S::Critical),
        finding(T::Code,
                "TypeScript",
                "JWT decoded without signature verification",
                347,
                "javascript.jsonwebtoken.security.jwt-decode-without-verify",
                "Authentication",
                "src/middleware/auth.ts",
                "jwt.decode does not verify the signature, so any token is accepted.",
                "   const token = header.replace(/^Bearer /, \"\");\n"
                "-  const claims = jwt.decode(token) as Claims;\n"
                "+  const claims = jwt.verify(token, publicKey, { algorithms: [\"RS256\"] }) as Claims;\n"
                "   req.user = { id: claims.sub, roles: claims.roles };",
                S::Critical),
        finding(
            T::Code,
            "Java",
            "SQL injection in invoice query",
            89,
            "java.lang.security.audit.formatted-sql-string",
            "Injection",
            "src/main/java/com/example/billing/InvoiceRepository.java",
            "A JDBC query string is concatenated with an account id from the request.",
            "     public List<Invoice> findByAccount(String accountId) {\n"
            "-        String sql = \"SELECT * FROM invoices WHERE account_id = '\" + accountId + \"'\";\n"
            "-        return jdbc.query(sql, invoiceMapper);\n"
            "+        return jdbc.query(\"SELECT * FROM invoices WHERE account_id = ?\", invoiceMapper, accountId);\n"
            "     }",
            S::Critical),
        finding(T::Code,
                "Java",
                "XML parser allows external entities",
                611,
                "java.lang.security.audit.xxe.documentbuilderfactory-disallow-doctype-decl-missing",
                "XML External Entity",
                "src/main/java/com/example/billing/XmlImporter.java",
                "DocumentBuilderFactory is used without disabling DOCTYPE declarations.",
                "     Document parse(InputStream in) throws Exception {\n"
                "-        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();\n"
                "+        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();\n"
                "+        factory.setFeature(\"http://apache.org/xml/features/disallow-doctype-decl\", true);\n"
                "+        factory.setXIncludeAware(false);\n"
                "         return factory.newDocumentBuilder().parse(in);",
                S::High),
        finding(T::Code,
                "Java",
                "Predictable random used for reset tokens",
                330,
                "java.lang.security.audit.crypto.weak-random",
                "Cryptography",
                "src/main/java/com/example/auth/TokenGenerator.java",
                "java.util.Random is not a secure source of randomness.",
                "     public String resetToken() {\n"
                "-        Random random = new Random();\n"
                "+        SecureRandom random = new SecureRandom();\n"
                "         byte[] bytes = new byte[32];\n"
                "         random.nextBytes(bytes);",
                S::Medium),
        finding(
            T::Code,
            "Java",
            "Log injection from request parameter",
            117,
            "java.lang.security.audit.crlf-injection-logs",
            "Logging",
            "src/main/java/com/example/api/RequestLogger.java",
            "An unsanitised request parameter is written to the log and can forge log lines.",
            "     void logLogin(HttpServletRequest request) {\n"
            "-        log.info(\"Login attempt for user \" + request.getParameter(\"user\"));\n"
            "+        log.info(\"Login attempt for user {}\", LogSanitizer.clean(request.getParameter(\"user\")));\n"
            "     }",
            S::Low),

        // --- Dependencies (SCA), by language -------------------------------------------------
        {T::Dependencies,
         "Go",
         "golang.org/x/net: HTTP/2 rapid reset can cause denial of service",
         400,
         "GO-2023-2102",
         "Vulnerable Dependency",
         "go.mod",
         "golang.org/x/net v0.7.0 is affected by CVE-2023-44487.",
         " \tgithub.com/jackc/pgx/v5 v5.4.3\n"
         "-\tgolang.org/x/net v0.7.0\n"
         "+\tgolang.org/x/net v0.17.0\n"
         " \tgoogle.golang.org/grpc v1.58.3",
         "golang.org/x/net",
         "v0.7.0",
         "v0.17.0",
         "CVE-2023-44487",
         S::High},
        {T::Dependencies,
         "Go",
         "golang.org/x/crypto: SSH prefix truncation (Terrapin)",
         354,
         "GO-2023-2402",
         "Vulnerable Dependency",
         "go.mod",
         "golang.org/x/crypto v0.14.0 is affected by CVE-2023-48795.",
         " \tgithub.com/stretchr/testify v1.8.4\n"
         "-\tgolang.org/x/crypto v0.14.0\n"
         "+\tgolang.org/x/crypto v0.17.0\n"
         " \tgolang.org/x/sync v0.4.0",
         "golang.org/x/crypto",
         "v0.14.0",
         "v0.17.0",
         "CVE-2023-48795",
         S::Medium},
        {T::Dependencies,
         "Python",
         "requests: Proxy-Authorization header leaked on redirect",
         200,
         "PYSEC-2023-74",
         "Vulnerable Dependency",
         "requirements.txt",
         "requests 2.25.1 is affected by CVE-2023-32681.",
         " redis==4.5.5\n"
         "-requests==2.25.1\n"
         "+requests==2.31.0\n"
         " sqlalchemy==2.0.19",
         "requests",
         "2.25.1",
         "2.31.0",
         "CVE-2023-32681",
         S::Medium},
        {T::Dependencies,
         "Python",
         "PyYAML: arbitrary code execution in full_load",
         20,
         "PYSEC-2021-142",
         "Vulnerable Dependency",
         "requirements.txt",
         "PyYAML 5.3.1 is affected by CVE-2020-14343.",
         " psycopg2-binary==2.9.6\n"
         "-PyYAML==5.3.1\n"
         "+PyYAML==5.4\n"
         " redis==4.5.5",
         "PyYAML",
         "5.3.1",
         "5.4",
         "CVE-2020-14343",
         S::Critical},
        {T::Dependencies,
         "Python",
         "Django: SQL injection in Trunc and Extract",
         89,
         "PYSEC-2022-213",
         "Vulnerable Dependency",
         "requirements.txt",
         "Django 3.2.12 is affected by CVE-2022-34265.",
         " celery==5.2.7\n"
         "-Django==3.2.12\n"
         "+Django==3.2.14\n"
         " djangorestframework==3.14.0",
         "Django",
         "3.2.12",
         "3.2.14",
         "CVE-2022-34265",
         S::Critical},
        {T::Dependencies,
         "TypeScript",
         "lodash: command injection via template",
         94,
         "GHSA-35jh-r3h4-6jhm",
         "Vulnerable Dependency",
         "package.json",
         "lodash 4.17.15 is affected by CVE-2021-23337.",
         "     \"express\": \"^4.18.2\",\n"
         "-    \"lodash\": \"4.17.15\",\n"
         "+    \"lodash\": \"4.17.21\",\n"
         "     \"pino\": \"^8.15.0\",",
         "lodash",
         "4.17.15",
         "4.17.21",
         "CVE-2021-23337",
         S::High},
        {T::Dependencies,
         "TypeScript",
         "axios: inefficient regular expression in trim",
         1333,
         "GHSA-cph5-m8f7-6c5x",
         "Vulnerable Dependency",
         "package.json",
         "axios 0.21.1 is affected by CVE-2021-3749.",
         "   \"dependencies\": {\n"
         "-    \"axios\": \"0.21.1\",\n"
         "+    \"axios\": \"0.21.2\",\n"
         "     \"express\": \"^4.18.2\",",
         "axios",
         "0.21.1",
         "0.21.2",
         "CVE-2021-3749",
         S::High},
        {T::Dependencies,
         "TypeScript",
         "jsonwebtoken: insecure key retrieval",
         20,
         "GHSA-27h2-hvpr-p74q",
         "Vulnerable Dependency",
         "package.json",
         "jsonwebtoken 8.5.1 is affected by CVE-2022-23529.",
         "     \"helmet\": \"^7.0.0\",\n"
         "-    \"jsonwebtoken\": \"8.5.1\",\n"
         "+    \"jsonwebtoken\": \"9.0.0\",\n"
         "     \"lodash\": \"4.17.21\",",
         "jsonwebtoken",
         "8.5.1",
         "9.0.0",
         "CVE-2022-23529",
         S::Medium},
        {T::Dependencies,
         "Java",
         "log4j-core: remote code execution via JNDI lookup (Log4Shell)",
         502,
         "GHSA-jfh8-c2jp-5v3q",
         "Vulnerable Dependency",
         "pom.xml",
         "org.apache.logging.log4j:log4j-core 2.14.1 is affected by CVE-2021-44228.",
         "             <artifactId>log4j-core</artifactId>\n"
         "-            <version>2.14.1</version>\n"
         "+            <version>2.17.1</version>\n"
         "         </dependency>",
         "org.apache.logging.log4j:log4j-core",
         "2.14.1",
         "2.17.1",
         "CVE-2021-44228",
         S::Critical},
        {T::Dependencies,
         "Java",
         "jackson-databind: deep nesting causes stack exhaustion",
         787,
         "GHSA-57j2-w4cx-62h2",
         "Vulnerable Dependency",
         "pom.xml",
         "com.fasterxml.jackson.core:jackson-databind 2.12.3 is affected by CVE-2020-36518.",
         "             <artifactId>jackson-databind</artifactId>\n"
         "-            <version>2.12.3</version>\n"
         "+            <version>2.12.7.1</version>\n"
         "         </dependency>",
         "com.fasterxml.jackson.core:jackson-databind",
         "2.12.3",
         "2.12.7.1",
         "CVE-2020-36518",
         S::High},
        {T::Dependencies,
         "Java",
         "spring-beans: remote code execution (Spring4Shell)",
         94,
         "GHSA-36p3-wjmg-h94x",
         "Vulnerable Dependency",
         "pom.xml",
         "org.springframework:spring-beans 5.3.17 is affected by CVE-2022-22965.",
         "             <artifactId>spring-beans</artifactId>\n"
         "-            <version>5.3.17</version>\n"
         "+            <version>5.3.18</version>\n"
         "         </dependency>",
         "org.springframework:spring-beans",
         "5.3.17",
         "5.3.18",
         "CVE-2022-22965",
         S::Critical},

        // --- Containers (any repository) ------------------------------------------------------
        {T::Containers,
         "",
         "node:16-alpine: openssl type confusion in X.400 address processing",
         843,
         "CVE-2023-0286",
         "Vulnerable Base Image",
         "Dockerfile",
         "The base image ships openssl 1.1.1t-r0, affected by CVE-2023-0286.",
         "-FROM node:16-alpine AS build\n"
         "+FROM node:20-alpine AS build\n"
         " WORKDIR /app\n"
         " COPY package*.json ./",
         "node",
         "16-alpine",
         "20-alpine",
         "CVE-2023-0286",
         S::High},
        {T::Containers,
         "",
         "python:3.8-slim: glibc buffer overflow in ld.so (Looney Tunables)",
         787,
         "CVE-2023-4911",
         "Vulnerable Base Image",
         "Dockerfile",
         "The base image ships glibc 2.31, affected by CVE-2023-4911.",
         "-FROM python:3.8-slim\n"
         "+FROM python:3.12-slim\n"
         " ENV PYTHONDONTWRITEBYTECODE=1\n"
         " WORKDIR /srv",
         "python",
         "3.8-slim",
         "3.12-slim",
         "CVE-2023-4911",
         S::High},
        {T::Containers,
         "",
         "nginx:1.21.6: memory corruption in mp4 module",
         787,
         "CVE-2022-41741",
         "Vulnerable Base Image",
         "deploy/nginx/Dockerfile",
         "The base image ships nginx 1.21.6, affected by CVE-2022-41741.",
         "-FROM nginx:1.21.6\n"
         "+FROM nginx:1.25.3\n"
         " COPY nginx.conf /etc/nginx/nginx.conf",
         "nginx",
         "1.21.6",
         "1.25.3",
         "CVE-2022-41741",
         S::Medium},
        {T::Containers,
         "",
         "golang:1.19-bullseye: curl SOCKS5 heap overflow",
         787,
         "CVE-2023-38545",
         "Vulnerable Base Image",
         "Dockerfile",
         "The base image ships curl 7.74.0, affected by CVE-2023-38545.",
         "-FROM golang:1.19-bullseye AS builder\n"
         "+FROM golang:1.21-bookworm AS builder\n"
         " WORKDIR /src\n"
         " COPY go.mod go.sum ./",
         "golang",
         "1.19-bullseye",
         "1.21-bookworm",
         "CVE-2023-38545",
         S::Critical},

        // --- Secrets ---------------------------------------------------------------------------
        finding(T::SecretsCredentials,
                "",
                "AWS access key committed in deployment values",
                798,
                "aws-access-token",
                "AWS",
                "deploy/values-staging.yaml",
                "An AWS access key id and secret are stored in plain text.",
                "",
                S::Critical),
        finding(T::SecretsCredentials,
                "",
                "GitHub personal access token in release script",
                798,
                "github-pat",
                "GitHub",
                "scripts/release.sh",
                "A GitHub personal access token is hard-coded.",
                "",
                S::High),
        finding(T::SecretsCredentials,
                "",
                "Slack webhook URL in compose override",
                798,
                "slack-webhook-url",
                "Slack",
                "docker-compose.override.yml",
                "A Slack incoming-webhook URL is committed.",
                "",
                S::Medium),
        finding(T::SecretsCredentials,
                "",
                "Stripe live secret key in test fixture",
                798,
                "stripe-access-token",
                "Stripe",
                "tests/fixtures/integration.env",
                "A Stripe live secret key is stored in a fixture file.",
                "",
                S::Critical),
        finding(T::SecretsCredentials,
                "",
                "RSA private key committed",
                321,
                "private-key",
                "PrivateKey",
                "config/certs/service.key",
                "A PEM-encoded private key is committed to the repository.",
                "",
                S::High),
        finding(T::SecretsSensitiveData,
                "",
                "Customer email addresses written to application logs",
                532,
                "pii-email-in-log",
                "PII",
                "src/logging/audit.ts",
                "Log statements include full customer email addresses.",
                "",
                S::Medium),
        finding(T::SecretsSensitiveData,
                "",
                "Card numbers in test fixture",
                312,
                "pci-card-number",
                "PCI",
                "tests/fixtures/payments.json",
                "Primary account numbers that pass the Luhn check are stored in a fixture.",
                "",
                S::High),
        finding(T::SecretsSensitiveData,
                "",
                "Phone numbers sent in analytics events",
                359,
                "pii-phone-number",
                "PII",
                "src/analytics/events.ts",
                "Analytics events carry customer phone numbers.",
                "",
                S::Low),

        // --- Pentest (application endpoints, fixed in the application's TypeScript code) ------
        finding(T::Pentest,
                "TypeScript",
                "Broken object level authorization on order lookup",
                639,
                "api-bola",
                "Broken Access Control",
                "src/routes/orders.ts",
                "Any signed-in user can read another customer's order by changing the id in the path.",
                " router.get(\"/api/v1/orders/:id\", requireAuth, async (req, res) => {\n"
                "-  const order = await orders.findById(req.params.id);\n"
                "+  const order = await orders.findById(req.params.id, { customerId: req.user.id });\n"
                "   if (!order) return res.status(404).end();",
                S::High,
                "GET /api/v1/orders/{id}"),
        finding(
            T::Pentest,
            "TypeScript",
            "SQL injection in product search",
            89,
            "api-sqli",
            "Injection",
            "src/routes/products.ts",
            "The q parameter is interpolated into a SQL query; time-based payloads confirmed it.",
            " router.get(\"/api/v1/products/search\", async (req, res) => {\n"
            "-  const rows = await db.query(`SELECT * FROM products WHERE name ILIKE '%${req.query.q}%'`);\n"
            "+  const rows = await db.query(\"SELECT * FROM products WHERE name ILIKE $1\", [`%${req.query.q}%`]);\n"
            "   res.json(rows);",
            S::Critical,
            "GET /api/v1/products/search"),
        finding(T::Pentest,
                "TypeScript",
                "No rate limiting on login",
                307,
                "api-rate-limit",
                "Authentication",
                "src/routes/auth.ts",
                "500 failed logins in a minute were all processed without throttling.",
                "-router.post(\"/api/v1/auth/login\", async (req, res) => {\n"
                "+router.post(\"/api/v1/auth/login\", loginLimiter, async (req, res) => {\n"
                "   const { username, password } = req.body;",
                S::Medium,
                "POST /api/v1/auth/login"),
        finding(T::Pentest,
                "TypeScript",
                "Stack traces returned in error responses",
                209,
                "api-verbose-errors",
                "Information Disclosure",
                "src/middleware/errors.ts",
                "Unhandled errors return the stack trace to the client.",
                " export function errorHandler(err: Error, req: Request, res: Response, _next: NextFunction) {\n"
                "-  res.status(500).json({ error: err.message, stack: err.stack });\n"
                "+  logger.error({ err }, \"unhandled error\");\n"
                "+  res.status(500).json({ error: \"internal error\" });\n"
                " }",
                S::Low,
                "POST /api/v1/cart/items"),
        finding(T::Pentest,
                "TypeScript",
                "CORS policy reflects any origin with credentials",
                942,
                "api-cors",
                "Misconfiguration",
                "src/app.ts",
                "Access-Control-Allow-Origin echoes the request origin and allows credentials.",
                "-app.use(cors({ origin: true, credentials: true }));\n"
                "+app.use(cors({ origin: config.allowedOrigins, credentials: true }));\n"
                " app.use(express.json({ limit: \"1mb\" }));",
                S::Medium,
                "GET /api/v1/account"),

        // --- Bug hunt ---------------------------------------------------------------------------
        finding(T::BugHunt,
                "",
                "Exposed .git directory on marketing site",
                538,
                "bughunt-exposed-git",
                "Information Disclosure",
                "",
                "/.git/config is served and the repository history can be reconstructed.",
                "",
                S::High,
                "GET /.git/config"),
        finding(T::BugHunt,
                "",
                "Dangling CNAME allows subdomain takeover",
                284,
                "bughunt-subdomain-takeover",
                "Misconfiguration",
                "",
                "A CNAME points at a deprovisioned storage bucket that anyone can claim.",
                "",
                S::High,
                "GET /"),
        finding(T::BugHunt,
                "",
                "Grafana reachable without authentication",
                306,
                "bughunt-open-dashboard",
                "Authentication",
                "",
                "Anonymous access to Grafana exposes production metrics and data sources.",
                "",
                S::Medium,
                "GET /grafana/login"),

        // --- Cloud (CSPM, fixed in the Terraform repository) ---------------------------------
        finding(T::Cloud,
                "Terraform",
                "S3 bucket allows public read access",
                732,
                "aws-s3-bucket-public-read",
                "Storage",
                "modules/storage/s3.tf",
                "The bucket ACL grants read access to everyone.",
                " resource \"aws_s3_bucket_acl\" \"exports\" {\n"
                "   bucket = aws_s3_bucket.exports.id\n"
                "-  acl    = \"public-read\"\n"
                "+  acl    = \"private\"\n"
                " }",
                S::Critical),
        finding(T::Cloud,
                "Terraform",
                "Security group allows SSH from the internet",
                284,
                "aws-ec2-sg-open-ssh",
                "Network",
                "modules/network/security_groups.tf",
                "Port 22 is open to 0.0.0.0/0.",
                "     from_port   = 22\n"
                "     to_port     = 22\n"
                "     protocol    = \"tcp\"\n"
                "-    cidr_blocks = [\"0.0.0.0/0\"]\n"
                "+    cidr_blocks = [var.bastion_cidr]\n"
                "   }",
                S::High),
        finding(T::Cloud,
                "Terraform",
                "RDS instance storage is not encrypted",
                311,
                "aws-rds-storage-encrypted",
                "Database",
                "modules/database/rds.tf",
                "Database storage and snapshots are unencrypted.",
                "   allocated_storage   = 100\n"
                "-  storage_encrypted   = false\n"
                "+  storage_encrypted   = true\n"
                "+  kms_key_id          = aws_kms_key.rds.arn\n"
                "   deletion_protection = true",
                S::High),
        finding(T::Cloud,
                "Terraform",
                "CloudTrail log file validation disabled",
                778,
                "aws-cloudtrail-log-validation",
                "Logging",
                "modules/audit/cloudtrail.tf",
                "Log file integrity validation is turned off.",
                "   s3_bucket_name             = aws_s3_bucket.audit.id\n"
                "-  enable_log_file_validation = false\n"
                "+  enable_log_file_validation = true\n"
                "   is_multi_region_trail      = true",
                S::Medium),
        finding(T::Cloud,
                "Terraform",
                "IAM policy grants wildcard actions to CI role",
                250,
                "aws-iam-wildcard-action",
                "IAM",
                "modules/iam/ci_role.tf",
                "The CI deploy role may perform any action on any resource.",
                "   statement {\n"
                "-    actions   = [\"*\"]\n"
                "+    actions   = [\"ecr:PutImage\", \"ecs:UpdateService\", \"ecs:DescribeServices\"]\n"
                "     resources = [\"*\"]",
                S::Critical),

        // --- Platform (source-control posture, fixed in workflow files) -----------------------
        finding(T::Platform,
                "YAML",
                "Third-party action pinned to a mutable tag",
                829,
                "gha-unpinned-action",
                "Supply Chain",
                ".github/workflows/ci.yml",
                "A third-party action is referenced by tag instead of a commit SHA.",
                "       - uses: actions/checkout@v4\n"
                "-      - uses: tj-actions/changed-files@v35\n"
                "+      - uses: tj-actions/changed-files@c65cd883420fd2eb864698a825fc4162dd94482c # v41.0.0\n"
                "         id: changed",
                S::High),
        finding(T::Platform,
                "YAML",
                "Workflow token has write-all permissions",
                250,
                "gha-excessive-permissions",
                "Permissions",
                ".github/workflows/release.yml",
                "GITHUB_TOKEN is granted write access to every scope.",
                " on:\n"
                "   push:\n"
                "     tags: [\"v*\"]\n"
                "-permissions: write-all\n"
                "+permissions:\n"
                "+  contents: write\n"
                "+  packages: write",
                S::Medium),
        finding(T::Platform,
                "YAML",
                "pull_request_target workflow checks out untrusted code",
                829,
                "gha-untrusted-checkout",
                "Supply Chain",
                ".github/workflows/preview.yml",
                "A privileged workflow checks out and builds the head of a fork's pull request.",
                "       - uses: actions/checkout@v4\n"
                "         with:\n"
                "-          ref: ${{ github.event.pull_request.head.sha }}\n"
                "+          ref: ${{ github.event.pull_request.base.sha }}",
                S::Critical),
        finding(T::Platform,
                "YAML",
                "Script injection from issue title",
                94,
                "gha-script-injection",
                "Injection",
                ".github/workflows/triage.yml",
                "An issue title is expanded directly inside a shell script.",
                "       - name: Label new issue\n"
                "-        run: echo \"Triaging ${{ github.event.issue.title }}\"\n"
                "+        env:\n"
                "+          ISSUE_TITLE: ${{ github.event.issue.title }}\n"
                "+        run: echo \"Triaging $ISSUE_TITLE\"",
                S::High),
    };
}

} // namespace

const QList<FindingTemplate>& findingTemplates()
{
    static const QList<FindingTemplate> templates = buildTemplates();
    return templates;
}

} // namespace nullify::sandbox::seed
