// libFuzzer target: every decoder of server JSON (network/api/types.*, jsonreader.*, apierror.*,
// the auth answers in network/session/authapi.* and the error bodies read by ApiClient::errorOf).
//
// Input: one selector byte, then the response body. The selector names the decoder:
//
//   r repositories page     s scan-run page        f findings page       c cloud-scan start
//   C cloud-scan status      a applications         p pentest scan        P pentest-scan page
//   R pentest report         x autofix start        X autofix status      m metrics overview
//   u current user           i installations        S CLI session         T CLI token
//   E event-feed page (POST /admin/events)
//   F token refresh: body, then NUL and the Set-Cookie headers, one a line
//   e an error body: the next byte picks the HTTP status (see errorStatuses), then the body
//   D finding detail, d autofix diff: the next byte picks the service (byte % 7, see services)
//   t triage record          w triage write (allowlist answer, empty for a 204)
//
// Any other selector byte picks a decoder by its value modulo the table size, so every byte the
// fuzzer tries reaches some decoder. Seeds in corpus/fuzz_api_decoders are named after theirs.

#include "apiclient.h"
#include "apierror.h"
#include "authapi.h"
#include "credentials.h"
#include "events.h"
#include "fuzzsupport.h"
#include "jsonreader.h"
#include "triage.h"
#include "types.h"
#include "utctime.h"

#include <QDateTime>
#include <QNetworkReply>

#include <array>

using namespace nullify;
using namespace nullify::api;

namespace {

// What every decoder promises: a value, or an error that says the body was wrong (or, for the
// answers that may say no in a 200, that the server refused), with words for the user.
template <typename T> bool check(const Result<T>& result, bool mayBeRejected = false)
{
    if (result)
        return true;
    const ApiError& error = result.error();
    NULLIFY_FUZZ_CHECK(error.kind == ApiError::Kind::Decoding
                       || (mayBeRejected && error.kind == ApiError::Kind::Rejected));
    NULLIFY_FUZZ_CHECK(!error.message.isEmpty());
    NULLIFY_FUZZ_CHECK(!error.toString().isEmpty());
    return false;
}

constexpr std::array<FindingService, 7> services {FindingService::Sast,
                                                  FindingService::ScaDependencies,
                                                  FindingService::ScaContainers,
                                                  FindingService::Secrets,
                                                  FindingService::DastPentest,
                                                  FindingService::Cspm,
                                                  FindingService::Scpm};

FindingService serviceOf(const QByteArray& rest, QByteArray* body)
{
    if (rest.isEmpty()) {
        *body = rest;
        return services[0];
    }
    *body = fuzz::bytesFrom(rest, 1);
    return services[static_cast<unsigned char>(rest.at(0)) % services.size()];
}

// A finished reply as the network core hands it to ApiClient: a status and Qt's error code.
class FinishedReply : public QNetworkReply
{
public:
    FinishedReply(int httpStatus, NetworkError error)
    {
        setAttribute(QNetworkRequest::HttpStatusCodeAttribute, httpStatus);
        setAttribute(QNetworkRequest::HttpReasonPhraseAttribute, QByteArrayLiteral("Reason"));
        if (error != NoError)
            setError(error, QStringLiteral("Error transferring - server replied: Reason"));
        setFinished(true);
    }
    void abort() override { }

protected:
    qint64 readData(char*, qint64) override { return -1; }
};

struct ErrorStatus
{
    int httpStatus;
    QNetworkReply::NetworkError error; // what Qt reports with that status (see qt-6.4-facts.md)
};

constexpr std::array<ErrorStatus, 9> errorStatuses {{
    {400, QNetworkReply::ProtocolInvalidOperationError},
    {401, QNetworkReply::AuthenticationRequiredError},
    {403, QNetworkReply::ContentAccessDenied},
    {404, QNetworkReply::ContentNotFoundError},
    {409, QNetworkReply::ContentConflictError},
    {429, QNetworkReply::UnknownContentError},
    {500, QNetworkReply::InternalServerError},
    {503, QNetworkReply::ServiceUnavailableError},
    {200, QNetworkReply::NoError},
}};

void decodeErrorBody(const QByteArray& rest)
{
    const ErrorStatus status = rest.isEmpty()
        ? errorStatuses[0]
        : errorStatuses[static_cast<unsigned char>(rest.at(0)) % errorStatuses.size()];
    const QByteArray body = rest.isEmpty() ? rest : fuzz::bytesFrom(rest, 1);
    FinishedReply reply(status.httpStatus, status.error);
    const std::optional<ApiError> error = ApiClient::errorOf(&reply, body);
    if (status.httpStatus == 200) {
        NULLIFY_FUZZ_CHECK(!error);
        return;
    }
    NULLIFY_FUZZ_CHECK(error);
    NULLIFY_FUZZ_CHECK(error->httpStatus == status.httpStatus);
    if (error->kind == ApiError::Kind::Http) {
        // The user always reads something: the server's message, the body, or the status.
        NULLIFY_FUZZ_CHECK(!error->message.isEmpty());
        NULLIFY_FUZZ_CHECK(error->body == body);
    }
    (void)error->toString();
    (void)error->isFinal();
}

// Decoded credentials are written to the keychain next; what is written must read back the same,
// or the next start finds a damaged entry and the user is signed out.
void checkStorable(const session::Credentials& credentials)
{
    QString whyNot;
    const std::optional<session::Credentials> stored
        = session::fromKeychainPayload(session::toKeychainPayload(credentials), &whyNot);
    if (!stored)
        std::fprintf(stderr, "keychain payload refused: %s\n", qPrintable(whyNot));
    NULLIFY_FUZZ_CHECK(stored);
    NULLIFY_FUZZ_CHECK(*stored == credentials);
}

// A fixed "now", so that a crash file replays the same way on any day.
const QDateTime& now()
{
    static const QDateTime value = nullify::utcDateTime(QDate(2025, 6, 1), QTime(12, 0));
    return value;
}

void decodeCliToken(const QByteArray& body)
{
    const auto result = session::AuthApi::decodeCliToken(body, now());
    if (!check(result, true))
        return;
    NULLIFY_FUZZ_CHECK(!result.value().accessToken.isEmpty());
    checkStorable(result.value());
}

void decodeRefresh(const QByteArray& rest)
{
    const qsizetype nul = rest.indexOf('\0');
    const QByteArray body = nul < 0 ? rest : fuzz::firstBytes(rest, nul);
    const QList<QByteArray> setCookies = nul < 0 ? QList<QByteArray>() : fuzz::bytesFrom(rest, nul + 1).split('\n');
    const auto result = session::AuthApi::decodeRefresh(body, setCookies, now());
    if (!check(result, true))
        return;
    const session::RefreshAnswer* answer = &result.value();
    NULLIFY_FUZZ_CHECK(!answer->accessToken.isEmpty());
    NULLIFY_FUZZ_CHECK(answer->expiresInSeconds >= 0);
    // Session::onRefreshAnswer keeps the new expiry with the credentials, which go to the keychain.
    session::Credentials renewed;
    renewed.accessToken = answer->accessToken;
    renewed.refreshToken = answer->refreshToken.value_or(QByteArrayLiteral("rt"));
    renewed.expiresAt = answer->expiresInSeconds > 0 ? now().addSecs(answer->expiresInSeconds) : QDateTime();
    renewed.scope = answer->scope.value_or(QueryParameters());
    checkStorable(renewed);
    // The rotated refresh token goes back in a Cookie header: it must be one cookie value.
    if (answer->refreshToken) {
        NULLIFY_FUZZ_CHECK(!answer->refreshToken->isEmpty());
        for (const char c : *answer->refreshToken)
            NULLIFY_FUZZ_CHECK(c > 0x20 && c < 0x7f && c != ';' && c != ',' && c != '"' && c != '\\');
    }
}

void decodeCliSession(const QByteArray& body)
{
    const auto result = session::AuthApi::decodeCliSession(body);
    if (!check(result))
        return;
    const session::CliSession* session = &result.value();
    // auth_url is opened in the system browser: only a web page may come out of here.
    const QString scheme = session->authUrl.scheme().toLower();
    NULLIFY_FUZZ_CHECK(scheme == QLatin1String("http") || scheme == QLatin1String("https"));
    NULLIFY_FUZZ_CHECK(!session->authUrl.host().isEmpty());
    NULLIFY_FUZZ_CHECK(!session->sessionId.isEmpty());
}

struct Decoder
{
    char selector;
    void (*decode)(const QByteArray& rest);
};

const std::array<Decoder, 23> decoders {{
    {'r', [](const QByteArray& b) { check(decodeRepositoryPage(b)); }},
    {'s', [](const QByteArray& b) { check(decodeScanRunPage(b)); }},
    {'f', [](const QByteArray& b) { check(decodeFindingsPage(b)); }},
    {'D',
     [](const QByteArray& rest) {
         QByteArray body;
         const FindingService service = serviceOf(rest, &body);
         const auto result = decodeFindingDetail(body, service);
         if (check(result))
             NULLIFY_FUZZ_CHECK(result.value().service == service);
     }},
    {'c', [](const QByteArray& b) { check(decodeCloudScanStart(b)); }},
    {'C', [](const QByteArray& b) { check(decodeCloudScanStatus(b)); }},
    {'a', [](const QByteArray& b) { check(decodeApplications(b)); }},
    {'p', [](const QByteArray& b) { check(decodePentestScan(b)); }},
    {'P', [](const QByteArray& b) { check(decodePentestScanPage(b)); }},
    {'R', [](const QByteArray& b) { check(decodePentestReport(b)); }},
    {'x', [](const QByteArray& b) { check(decodeAutofixStart(b), true); }},
    {'X', [](const QByteArray& b) { check(decodeAutofixStatus(b)); }},
    {'d',
     [](const QByteArray& rest) {
         QByteArray body;
         const FindingService service = serviceOf(rest, &body);
         check(decodeAutofixDiff(body, service));
     }},
    {'m', [](const QByteArray& b) { check(decodeMetricsOverview(b)); }},
    {'u', [](const QByteArray& b) { check(decodeCurrentUser(b)); }},
    {'i', [](const QByteArray& b) { check(decodeInstallations(b)); }},
    {'S', decodeCliSession},
    {'T', decodeCliToken},
    {'F', decodeRefresh},
    {'e', decodeErrorBody},
    {'E',
     [](const QByteArray& b) {
         const auto result = decodeEventPage(b);
         if (!check(result))
             return;
         // Notifications are told apart by id, and each names what a click opens.
         for (const FeedEvent& event : result.value().events) {
             NULLIFY_FUZZ_CHECK(!event.id.isEmpty());
             (void)event.kind();
             (void)event.scan();
             (void)event.severity();
             (void)event.findingService();
         }
     }},
    {'t',
     [](const QByteArray& b) {
         const auto result = decodeTriageRecord(b);
         if (check(result)) {
             // A type the client does not know is Unknown, with the server's text kept.
             const TriageRecord& record = result.value();
             NULLIFY_FUZZ_CHECK(record.allowlistType != AllowlistType::Unknown
                                || allowlistTypeFromString(record.allowlistTypeText) == AllowlistType::Unknown);
         }
     }},
    {'w', [](const QByteArray& b) { check(decodeTriageWrite(b)); }},
}};

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    fuzz::silenceQtMessages();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size == 0)
        return 0;
    const QByteArray input = fuzz::bytesOf(data, size);
    const char selector = input.at(0);
    const Decoder* chosen = &decoders[static_cast<unsigned char>(selector) % decoders.size()];
    for (const Decoder& decoder : decoders) {
        if (decoder.selector == selector)
            chosen = &decoder;
    }
    chosen->decode(fuzz::bytesFrom(input, 1));
    return 0;
}
