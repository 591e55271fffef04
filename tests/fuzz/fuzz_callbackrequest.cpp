// libFuzzer target: the sign-in callback's request parser (network/session/callbackrequest.*),
// with its session_id and redemption_secret values.
//
// Input: the bytes a client sent on one connection to the loopback listener. Anything on the
// machine can connect, so these are as hostile as bytes get.

#include "callbackrequest.h"
#include "fuzzsupport.h"

using nullify::session::CallbackRequest;
using Status = CallbackRequest::Status;

namespace {

void checkShape(const CallbackRequest& request)
{
    if (request.status == Status::Ok) {
        // The path is the decoded origin-form target, which always starts with one slash.
        NULLIFY_FUZZ_CHECK(request.path.startsWith(QLatin1Char('/')));
    } else {
        // A refused or unfinished request carries nothing the listener could act on.
        NULLIFY_FUZZ_CHECK(request.path.isEmpty());
        NULLIFY_FUZZ_CHECK(request.sessionIds.isEmpty());
        NULLIFY_FUZZ_CHECK(request.redemptionSecrets.isEmpty());
    }
    // What the listener forwards to the token endpoint is exactly 64 lowercase hex digits.
    for (const QString& secret : request.redemptionSecrets) {
        if (!CallbackRequest::isWellFormedSecret(secret))
            continue;
        NULLIFY_FUZZ_CHECK(secret.size() == 64);
        for (const QChar c : secret)
            NULLIFY_FUZZ_CHECK(QStringLiteral("0123456789abcdef").contains(c));
    }
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    nullify::fuzz::silenceQtMessages();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const QByteArray head = nullify::fuzz::bytesOf(data, size);
    const CallbackRequest whole = CallbackRequest::parse(head);
    checkShape(whole);

    // The listener parses what it has after every read and acts on the first verdict that is not
    // Incomplete, so whether a session id is accepted must not depend on how TCP cut the bytes:
    // a prefix that decides accepts exactly what the whole accepts (the same ids and secrets), or
    // refuses when the whole refuses. Which refusal (400, 405 or 431) may differ: a request line is judged as soon as
    // it is complete, before bytes further on are seen, and every refusal closes the connection. Prefixes end around
    // line breaks, where the verdicts change; a few keep each run short.
    int prefixes = 0;
    for (qsizetype i = head.indexOf('\n'); i >= 0 && prefixes < 8; i = head.indexOf('\n', i + 1), ++prefixes) {
        for (const qsizetype length : {i, i + 1}) {
            const CallbackRequest early = CallbackRequest::parse(nullify::fuzz::firstBytes(head, length));
            checkShape(early);
            if (early.status == Status::Incomplete)
                continue;
            NULLIFY_FUZZ_CHECK((early.status == Status::Ok) == (whole.status == Status::Ok));
            NULLIFY_FUZZ_CHECK(early.path == whole.path);
            NULLIFY_FUZZ_CHECK(early.sessionIds == whole.sessionIds);
            NULLIFY_FUZZ_CHECK(early.redemptionSecrets == whole.redemptionSecrets);
        }
    }
    return 0;
}
