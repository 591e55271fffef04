// Triage from the Findings page (TriagePanel, AllowlistDialog, OverrideDialog) driven by clicks
// against an in-process nullify-sandbox: allowlist with a type and a required reason, unallowlist,
// a multi-row allowlist that sends one batch call, overrides, the triage record in the details, and
// a write the server refuses (fault plan) that changes nothing. What was sent is checked in the
// sandbox's request log, and what the sandbox now holds by asking the API directly.
#include "findingsfilterproxy.h"
#include "findingslisting.h"
#include "findingsmodel.h"
#include "findingsview.h"
#include "nullifyapi.h"
#include "sandboxharness.h"
#include "signedinstack.h"
#include "triage.h"
#include "triagedialog.h"
#include "triagepanel.h"

#include <QAction>
#include <QComboBox>
#include <QCryptographicHash>
#include <QItemSelectionModel>
#include <QJsonArray>
#include <QJsonObject>
#include <QLabel>
#include <QLocale>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTableView>
#include <QtTest>

#include <memory>
#include <optional>

using nullify::api::AllowlistType;
using nullify::api::Finding;
using nullify::api::FindingType;
using nullify::api::Result;
using nullify::api::Severity;
using nullify::test::bodyHash;
using nullify::test::listingSettled;
using nullify::test::SandboxHarness;
using nullify::ui::AllowlistDialog;
using nullify::ui::FindingsModel;
using nullify::ui::FindingsView;
using nullify::ui::OverrideDialog;
using nullify::ui::TriagePanel;

namespace {

constexpr int kTimeoutMs = 20'000;

// Every logged request whose method matches and whose path ends with suffix.
QList<QJsonObject> writesEndingWith(const QList<QJsonObject>& log, const QString& method, const QString& suffix)
{
    QList<QJsonObject> found;
    for (const QJsonObject& entry : log) {
        if (entry.value(QStringLiteral("method")).toString() == method
            && entry.value(QStringLiteral("path")).toString().endsWith(suffix))
            found.append(entry);
    }
    return found;
}

} // namespace

class TestTriage : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void dialogNeedsAReason();
    void allowlistOneFinding();
    void unallowlistRestoresIt();
    void bulkAllowlistIsOneBatchCall();
    void mixedSelectionOneCallPerType();
    void overrideSeverityAndPriority();
    void failedWriteChangesNothing();
    void failedBatchChangesNothing();

private:
    std::unique_ptr<FindingsView> makeView(FindingType type, FindingsView::StatusFilter status);
    // Selects these source rows in the table (the first is made current).
    void select(FindingsView& view, const QList<int>& sourceRows);
    int proxyRow(FindingsView& view, int sourceRow);
    // The source rows, top down, of findings of this type (and allowlisted or not).
    QList<int> rowsOf(FindingsView& view, FindingType type, bool allowlisted, int count);
    // Opens the dialog of this button; nullptr when none opened.
    QDialog* openDialog(FindingsView& view, QPushButton* button);
    void submit(QDialog* dialog);
    std::optional<bool> isAllowlistedOnServer(const QString& id);

    std::unique_ptr<nullify::test::SignedInStack> m_stack;
};

void TestTriage::init()
{
    nullify::sandbox::ServerOptions options;
    options.tenant.findingCount = 400;
    m_stack = std::make_unique<nullify::test::SignedInStack>();
    QString why;
    QVERIFY2(m_stack->start(options, &why), qPrintable(why));
}

void TestTriage::cleanup()
{
    m_stack.reset();
}

std::unique_ptr<FindingsView> TestTriage::makeView(FindingType type, FindingsView::StatusFilter status)
{
    auto view = std::make_unique<FindingsView>(
        nullify::ui::ViewContext {m_stack->api.get(), m_stack->tracker.get(), m_stack->connection.get()});
    view->resize(1300, 800);
    view->show();
    if (!QTest::qWaitForWindowExposed(view.get()))
        return nullptr;
    view->activate();
    if (!QTest::qWaitFor([&view] { return listingSettled(*view); }, kTimeoutMs))
        return nullptr;
    QComboBox* statusCombo = view->statusFilter();
    statusCombo->setCurrentIndex(statusCombo->findData(int(status)));
    if (type != FindingType::Unknown)
        view->typeFilter()->setCurrentIndex(view->typeFilter()->findData(int(type)));
    const bool settled = QTest::qWaitFor(
        [&view, type] {
            return listingSettled(*view) && (type == FindingType::Unknown || !view->query().types.isEmpty());
        },
        kTimeoutMs);
    return settled ? std::move(view) : nullptr;
}

int TestTriage::proxyRow(FindingsView& view, int sourceRow)
{
    const QModelIndex index = view.proxy()->mapFromSource(view.findingsModel()->index(sourceRow, 0));
    return index.row();
}

void TestTriage::select(FindingsView& view, const QList<int>& sourceRows)
{
    QItemSelectionModel* selection = view.findingsTable()->selectionModel();
    selection->clearSelection();
    bool first = true;
    for (int row : sourceRows) {
        const QModelIndex index = view.proxy()->index(proxyRow(view, row), 0);
        if (first)
            selection->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
        else
            selection->select(index, QItemSelectionModel::Select | QItemSelectionModel::Rows);
        first = false;
    }
}

QList<int> TestTriage::rowsOf(FindingsView& view, FindingType type, bool allowlisted, int count)
{
    QList<int> rows;
    FindingsModel* model = view.findingsModel();
    for (int row = 0; row < model->count() && rows.size() < count; ++row) {
        const Finding& f = model->finding(row);
        if (f.type == type && f.isAllowlisted.value_or(false) == allowlisted)
            rows.append(row);
    }
    return rows;
}

QDialog* TestTriage::openDialog(FindingsView& view, QPushButton* button)
{
    if (!button->isVisible() || !button->isEnabled())
        return nullptr;
    QTest::mouseClick(button, Qt::LeftButton);
    TriagePanel* panel = view.triagePanel();
    const bool opened
        = QTest::qWaitFor([panel] { return panel->activeDialog() && panel->activeDialog()->isVisible(); }, 5000);
    return opened ? panel->activeDialog() : nullptr;
}

void TestTriage::submit(QDialog* dialog)
{
    auto* button = dialog->findChild<QPushButton*>(QStringLiteral("triageSubmit"));
    QVERIFY(button);
    QVERIFY(button->isEnabled());
    QTest::mouseClick(button, Qt::LeftButton);
}

std::optional<bool> TestTriage::isAllowlistedOnServer(const QString& id)
{
    // The sandbox's own list, asked directly: {"findingId": [id]}.
    std::optional<bool> answer;
    QObject context;
    nullify::api::ApiRequest request;
    request.method = QByteArrayLiteral("POST");
    request.path = QStringLiteral("/admin/findings");
    request.body = SandboxHarness::json(
        QJsonObject {{QStringLiteral("query"), QJsonObject {{QStringLiteral("findingId"), QJsonArray {id}}}}});
    request.idempotent = true;
    bool done = false;
    m_stack->client->sendRaw(request, &context, [&answer, &done](const Result<QByteArray>& r) {
        done = true;
        if (!r)
            return;
        const QJsonArray findings
            = QJsonDocument::fromJson(r.value()).object().value(QStringLiteral("findings")).toArray();
        if (findings.size() == 1)
            answer = findings.first().toObject().value(QStringLiteral("isAllowlisted")).toBool();
    });
    if (!QTest::qWaitFor([&done] { return done; }, kTimeoutMs))
        return std::nullopt;
    return answer;
}

void TestTriage::dialogNeedsAReason()
{
    AllowlistDialog dialog(AllowlistDialog::Mode::Allowlist, 1, QStringLiteral("SQL injection"));
    dialog.show();
    QVERIFY(dialog.typeCombo());
    QCOMPARE(dialog.typeCombo()->count(), 4);
    QVERIFY(!dialog.submitButton()->isEnabled());
    QTest::keyClicks(dialog.reasonEdit(), QStringLiteral("   "));
    QVERIFY2(!dialog.submitButton()->isEnabled(), "blank is no reason");
    // Enter on the dialog cannot get round the disabled button either.
    QTest::keyClick(&dialog, Qt::Key_Return);
    QVERIFY(dialog.isVisible());
    QCOMPARE(dialog.result(), int(QDialog::Rejected));
    QTest::keyClicks(dialog.reasonEdit(), QStringLiteral("Only in tests"));
    QVERIFY(dialog.submitButton()->isEnabled());
    QCOMPARE(dialog.reason(), QStringLiteral("Only in tests"));

    AllowlistDialog un(AllowlistDialog::Mode::Unallowlist, 1, QString());
    QVERIFY2(!un.typeCombo(), "unallowlist asks only why");
    QVERIFY(!un.submitButton()->isEnabled());

    OverrideDialog override(2, QString(), false);
    QVERIFY(!override.severityCombo()->isEnabled());
    QVERIFY(!override.submitButton()->isEnabled());
    override.priorityCombo()->setCurrentIndex(override.priorityCombo()->findData(QStringLiteral("URGENT")));
    QVERIFY(override.submitButton()->isEnabled());
    QVERIFY(!override.change().severity);
    QCOMPARE(override.change().priorityLabel, QStringLiteral("URGENT"));
}

void TestTriage::allowlistOneFinding()
{
    auto view = makeView(FindingType::Code, FindingsView::StatusFilter::Open);
    QVERIFY(view);
    const QList<int> rows = rowsOf(*view, FindingType::Code, false, 1);
    QCOMPARE(rows.size(), 1);
    const QString id = view->findingsModel()->finding(rows.first()).id;
    QVERIFY(view->pager()->totalCount() && view->pager()->hasMore());
    const qint64 total = *view->pager()->totalCount();
    QVERIFY2(view->countLabel()->text().endsWith(QLocale().toString(total)), qPrintable(view->countLabel()->text()));
    select(*view, rows);
    TriagePanel* panel = view->triagePanel();
    // The record of the selected finding is in its details.
    QTRY_COMPARE_WITH_TIMEOUT(panel->recordFindingId(), id, kTimeoutMs);
    QVERIFY2(panel->recordLabel()->text().contains(QStringLiteral("Not allowlisted")),
             qPrintable(panel->recordLabel()->text()));
    QVERIFY2(panel->recordLabel()->text().contains(QStringLiteral("Triage priority")),
             qPrintable(panel->recordLabel()->text()));
    QVERIFY(m_stack->sandbox->resetLog());

    auto* dialog = qobject_cast<AllowlistDialog*>(openDialog(*view, panel->allowlistButton()));
    QVERIFY(dialog);
    QVERIFY(!dialog->submitButton()->isEnabled());
    dialog->typeCombo()->setCurrentIndex(dialog->typeCombo()->findData(int(AllowlistType::UserAssumeRisk)));
    const QString reason = QStringLiteral("Internal admin tool behind SSO");
    QTest::keyClicks(dialog->reasonEdit(), reason);
    submit(dialog);

    QTRY_COMPARE_WITH_TIMEOUT(FindingsModel::statusOf(view->findingsModel()->finding(rows.first())),
                              FindingsModel::Status::Allowlisted,
                              kTimeoutMs);
    QVERIFY(!panel->statusLabel()->property("failed").toBool());
    // The listing is of open findings: the count says one fewer at once, as the server now would.
    QVERIFY2(view->countLabel()->text().endsWith(QLocale().toString(total - 1)),
             qPrintable(view->countLabel()->text()));
    QVERIFY2(panel->statusLabel()->text().contains(QStringLiteral("Allowlisted 1 finding")),
             qPrintable(panel->statusLabel()->text()));
    const QList<QJsonObject> log = m_stack->sandbox->requestLog();
    const QList<QJsonObject> writes = SandboxHarness::entriesFor(
        log, QStringLiteral("POST"), QStringLiteral("/sast/findings/%1/allowlist").arg(id));
    QCOMPARE(writes.size(), 1);
    QCOMPARE(writes.first().value(QStringLiteral("bodyHash")).toString(),
             bodyHash(nullify::api::allowlistBody(AllowlistType::UserAssumeRisk, reason)));
    QCOMPARE(isAllowlistedOnServer(id), std::optional<bool>(true));
    // The details ask again and show the server's record of it.
    QTRY_VERIFY_WITH_TIMEOUT(
        panel->recordLabel()->text().contains(QStringLiteral("Allowlisted (Risk accepted): ") + reason), kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(view->detailField(QStringLiteral("status"))->text(),
                              FindingsModel::statusText(FindingsModel::Status::Allowlisted),
                              kTimeoutMs);
    QVERIFY2(!panel->allowlistButton()->isEnabled(), "already allowlisted");
    QVERIFY(panel->unallowlistButton()->isEnabled());
}

void TestTriage::unallowlistRestoresIt()
{
    auto view = makeView(FindingType::Unknown, FindingsView::StatusFilter::Allowlisted);
    QVERIFY(view);
    QVERIFY2(view->findingsModel()->count() > 0, "the seed has allowlisted findings");
    const int row = 0;
    const Finding finding = view->findingsModel()->finding(row);
    QVERIFY(finding.isAllowlisted.value_or(false));
    QVERIFY(nullify::api::triageEndpointsFor(finding.type));
    select(*view, {row});
    TriagePanel* panel = view->triagePanel();
    // The seeded allowlist has its reason on the record.
    QTRY_COMPARE_WITH_TIMEOUT(panel->recordFindingId(), finding.id, kTimeoutMs);
    QVERIFY2(panel->recordLabel()->text().startsWith(QStringLiteral("Allowlisted")),
             qPrintable(panel->recordLabel()->text()));
    QVERIFY(m_stack->sandbox->resetLog());

    QDialog* dialog = openDialog(*view, panel->unallowlistButton());
    QVERIFY(dialog);
    QCOMPARE(dialog->objectName(), QStringLiteral("unallowlistDialog"));
    QTest::keyClicks(static_cast<AllowlistDialog*>(dialog)->reasonEdit(), QStringLiteral("Exposed since the move"));
    submit(dialog);

    QTRY_COMPARE_WITH_TIMEOUT(
        FindingsModel::statusOf(view->findingsModel()->finding(row)), FindingsModel::Status::Open, kTimeoutMs);
    const QList<QJsonObject> writes = writesEndingWith(
        m_stack->sandbox->requestLog(), QStringLiteral("POST"), finding.id + QStringLiteral("/unallowlist"));
    QCOMPARE(writes.size(), 1);
    QCOMPARE(writes.first().value(QStringLiteral("status")).toInt(), 204);
    QCOMPARE(isAllowlistedOnServer(finding.id), std::optional<bool>(false));
    QTRY_VERIFY_WITH_TIMEOUT(panel->recordLabel()->text().contains(QStringLiteral("Not allowlisted")), kTimeoutMs);
}

void TestTriage::bulkAllowlistIsOneBatchCall()
{
    auto view = makeView(FindingType::Code, FindingsView::StatusFilter::Open);
    QVERIFY(view);
    const QList<int> rows = rowsOf(*view, FindingType::Code, false, 6);
    QCOMPARE(rows.size(), 6);
    QStringList ids;
    for (int row : rows)
        ids << view->findingsModel()->finding(row).id;
    select(*view, rows);
    TriagePanel* panel = view->triagePanel();
    QTRY_COMPARE(panel->allowlistButton()->text(), QStringLiteral("Allowlist 6..."));
    QVERIFY(m_stack->sandbox->resetLog());

    auto* dialog = qobject_cast<AllowlistDialog*>(openDialog(*view, panel->allowlistButton()));
    QVERIFY(dialog);
    QVERIFY2(dialog->windowTitle().contains(QStringLiteral("6")), qPrintable(dialog->windowTitle()));
    dialog->typeCombo()->setCurrentIndex(dialog->typeCombo()->findData(int(AllowlistType::UserFalsePositive)));
    QTest::keyClicks(dialog->reasonEdit(), QStringLiteral("Generated code, never deployed"));
    QSignalSpy finished(panel, &TriagePanel::writesFinished);
    QSignalSpy triaged(view.get(), &FindingsView::findingsTriaged);
    submit(dialog);
    QVERIFY(finished.wait(kTimeoutMs));
    QCOMPARE(finished.first().first().toBool(), true);

    for (int row : rows)
        QCOMPARE(FindingsModel::statusOf(view->findingsModel()->finding(row)), FindingsModel::Status::Allowlisted);
    QCOMPARE(triaged.size(), 1);
    QCOMPARE(
        QSet<QString>(triaged.first().first().toStringList().cbegin(), triaged.first().first().toStringList().cend()),
        QSet<QString>(ids.cbegin(), ids.cend()));
    const QList<QJsonObject> log = m_stack->sandbox->requestLog();
    QCOMPARE(SandboxHarness::entriesFor(log, QStringLiteral("POST"), QStringLiteral("/sast/findings/allowlist")).size(),
             1);
    QCOMPARE(writesEndingWith(log, QStringLiteral("POST"), QStringLiteral("/allowlist")).size(), 1);
    for (const QString& id : std::as_const(ids))
        QCOMPARE(isAllowlistedOnServer(id), std::optional<bool>(true));
}

void TestTriage::mixedSelectionOneCallPerType()
{
    auto view = makeView(FindingType::Unknown, FindingsView::StatusFilter::Open);
    QVERIFY(view);
    const QList<int> code = rowsOf(*view, FindingType::Code, false, 3);
    const QList<int> secrets = rowsOf(*view, FindingType::SecretsCredentials, false, 2);
    const QList<int> dependencies = rowsOf(*view, FindingType::Dependencies, false, 2);
    QCOMPARE(code.size(), 3);
    QCOMPARE(secrets.size(), 2);
    QCOMPARE(dependencies.size(), 2);
    select(*view, code + secrets + dependencies);
    TriagePanel* panel = view->triagePanel();
    QVERIFY(m_stack->sandbox->resetLog());
    auto* dialog = qobject_cast<AllowlistDialog*>(openDialog(*view, panel->allowlistButton()));
    QVERIFY(dialog);
    QTest::keyClicks(dialog->reasonEdit(), QStringLiteral("Demo tenant"));
    QSignalSpy finished(panel, &TriagePanel::writesFinished);
    submit(dialog);
    QVERIFY(finished.wait(kTimeoutMs));
    QCOMPARE(finished.first().first().toBool(), true);
    const QList<QJsonObject> log = m_stack->sandbox->requestLog();
    // sast and secrets have a batch endpoint: one call each. SCA dependencies has none: a call each.
    QCOMPARE(SandboxHarness::entriesFor(log, QStringLiteral("POST"), QStringLiteral("/sast/findings/allowlist")).size(),
             1);
    QCOMPARE(
        SandboxHarness::entriesFor(log, QStringLiteral("POST"), QStringLiteral("/secrets/findings/allowlist/batch"))
            .size(),
        1);
    QCOMPARE(writesEndingWith(log, QStringLiteral("POST"), QStringLiteral("/allowlist")).size(), 3);
    for (int row : code + secrets + dependencies)
        QCOMPARE(FindingsModel::statusOf(view->findingsModel()->finding(row)), FindingsModel::Status::Allowlisted);
}

void TestTriage::overrideSeverityAndPriority()
{
    auto view = makeView(FindingType::Code, FindingsView::StatusFilter::Open);
    QVERIFY(view);
    int row = -1;
    for (int r = 0; r < view->findingsModel()->count() && row < 0; ++r) {
        if (view->findingsModel()->finding(r).severity != Severity::Critical)
            row = r;
    }
    QVERIFY(row >= 0);
    const QString id = view->findingsModel()->finding(row).id;
    select(*view, {row});
    TriagePanel* panel = view->triagePanel();
    QVERIFY(m_stack->sandbox->resetLog());
    auto* dialog = qobject_cast<OverrideDialog*>(openDialog(*view, panel->overrideButton()));
    QVERIFY(dialog);
    QVERIFY(dialog->severityCombo()->isEnabled());
    dialog->severityCombo()->setCurrentIndex(dialog->severityCombo()->findData(int(Severity::Critical)));
    dialog->priorityCombo()->setCurrentIndex(dialog->priorityCombo()->findData(QStringLiteral("URGENT")));
    submit(dialog);

    QTRY_COMPARE_WITH_TIMEOUT(view->findingsModel()->finding(row).severity, Severity::Critical, kTimeoutMs);
    QCOMPARE(view->findingsModel()->finding(row).priorityLabel, QStringLiteral("URGENT"));
    const QList<QJsonObject> patches = SandboxHarness::entriesFor(
        m_stack->sandbox->requestLog(), QStringLiteral("PATCH"), QStringLiteral("/sast/findings/") + id);
    QCOMPARE(patches.size(), 1);
    nullify::api::FindingOverride change;
    change.severity = Severity::Critical;
    change.priorityLabel = QStringLiteral("URGENT");
    QCOMPARE(patches.first().value(QStringLiteral("bodyHash")).toString(),
             bodyHash(nullify::api::overrideBody(change, true)));
    // The server's list shows it too: a fresh listing of Critical findings has it.
    view->severityFilter()->setCurrentIndex(view->severityFilter()->findData(int(Severity::Critical)));
    QTRY_VERIFY_WITH_TIMEOUT(listingSettled(*view) && !view->query().severities.isEmpty(), kTimeoutMs);
    const int again = view->findingsModel()->rowOf(id);
    QVERIFY2(again >= 0, "the overridden finding lists as Critical");
    QCOMPARE(view->findingsModel()->finding(again).priorityLabel, QStringLiteral("URGENT"));
}

void TestTriage::failedWriteChangesNothing()
{
    auto view = makeView(FindingType::Code, FindingsView::StatusFilter::Open);
    QVERIFY(view);
    const QList<int> rows = rowsOf(*view, FindingType::Code, false, 1);
    QCOMPARE(rows.size(), 1);
    const QString id = view->findingsModel()->finding(rows.first()).id;
    QVERIFY2(m_stack->sandbox->addFaults(
                 {QJsonObject {{QStringLiteral("method"), QStringLiteral("POST")},
                               {QStringLiteral("path"), QStringLiteral("/sast/findings/*/allowlist")},
                               {QStringLiteral("fault"), QStringLiteral("status")},
                               {QStringLiteral("status"), 500},
                               {QStringLiteral("count"), -1}}}),
             qPrintable(m_stack->sandbox->lastError()));
    select(*view, rows);
    TriagePanel* panel = view->triagePanel();
    QVERIFY(m_stack->sandbox->resetLog());
    auto* dialog = qobject_cast<AllowlistDialog*>(openDialog(*view, panel->allowlistButton()));
    QVERIFY(dialog);
    QTest::keyClicks(dialog->reasonEdit(), QStringLiteral("Will not stick"));
    QSignalSpy finished(panel, &TriagePanel::writesFinished);
    QSignalSpy triaged(view.get(), &FindingsView::findingsTriaged);
    submit(dialog);
    QVERIFY(finished.wait(kTimeoutMs));
    QCOMPARE(finished.first().first().toBool(), false);

    QVERIFY(panel->statusLabel()->isVisible());
    QVERIFY(panel->statusLabel()->property("failed").toBool());
    QVERIFY2(panel->statusLabel()->text().startsWith(QStringLiteral("Could not allowlist 1 finding")),
             qPrintable(panel->statusLabel()->text()));
    QCOMPARE(FindingsModel::statusOf(view->findingsModel()->finding(rows.first())), FindingsModel::Status::Open);
    QCOMPARE(triaged.size(), 0);
    // A write is sent once: a 500 after the server may have committed is not replayed.
    QCOMPARE(
        writesEndingWith(m_stack->sandbox->requestLog(), QStringLiteral("POST"), QStringLiteral("/allowlist")).size(),
        1);
    QVERIFY(m_stack->sandbox->clearFaults());
    QCOMPARE(isAllowlistedOnServer(id), std::optional<bool>(false));
    QVERIFY2(panel->allowlistButton()->isEnabled(), "the user may try again");
}

void TestTriage::failedBatchChangesNothing()
{
    auto view = makeView(FindingType::Code, FindingsView::StatusFilter::Open);
    QVERIFY(view);
    const QList<int> rows = rowsOf(*view, FindingType::Code, false, 3);
    QCOMPARE(rows.size(), 3);
    QVERIFY(
        m_stack->sandbox->addFaults({QJsonObject {{QStringLiteral("method"), QStringLiteral("POST")},
                                                  {QStringLiteral("path"), QStringLiteral("/sast/findings/allowlist")},
                                                  {QStringLiteral("fault"), QStringLiteral("status")},
                                                  {QStringLiteral("status"), 403},
                                                  {QStringLiteral("count"), -1}}}));
    select(*view, rows);
    TriagePanel* panel = view->triagePanel();
    auto* dialog = qobject_cast<AllowlistDialog*>(openDialog(*view, panel->allowlistButton()));
    QVERIFY(dialog);
    QTest::keyClicks(dialog->reasonEdit(), QStringLiteral("No permission"));
    QSignalSpy finished(panel, &TriagePanel::writesFinished);
    submit(dialog);
    QVERIFY(finished.wait(kTimeoutMs));
    QCOMPARE(finished.first().first().toBool(), false);
    QVERIFY2(panel->statusLabel()->text().startsWith(QStringLiteral("Could not allowlist 3 findings")),
             qPrintable(panel->statusLabel()->text()));
    for (int row : rows)
        QCOMPARE(FindingsModel::statusOf(view->findingsModel()->finding(row)), FindingsModel::Status::Open);
}

QTEST_MAIN(TestTriage)
#include "tst_triage.moc"
