<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="en">
<context>
    <name>main</name>
    <message>
        <source>Nullify Desktop: a native desktop client for the Nullify application-security platform.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Base URL of the Nullify API, e.g. https://api.acme.nullify.ai or http://127.0.0.1:PORT for a local sandbox.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Lowest level logged for the nullify.* categories: debug, info, warning or critical. QT_LOGGING_RULES, when set, takes precedence.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Start-up check: once the first window is shown, print &quot;shown: &lt;window name&gt;&quot; and exit with code 0 (used by the package tests, e.g. with QT_QPA_PLATFORM=offscreen).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>unknown log level &apos;%1&apos; (use debug, info, warning or critical)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>invalid --api-url &apos;%1&apos;: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>unexpected argument &apos;%1&apos; (see --help)</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>nullify::MainWindow</name>
    <message>
        <source>Welcome to Nullify Desktop</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Once you are signed in, your repositories, scan runs and findings will appear here.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nullify Desktop</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pages</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not signed in</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Signed-in account</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Notice</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Settings…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Refresh</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Find…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Start…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Account</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sign &amp;out</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Activity</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Network activity</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Activity Panel</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>API: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Signed in as %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Opening your saved session…</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>nullify::app::AppController</name>
    <message>
        <source>Opening your saved session…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your session has expired. Sign in again to go on where you left off.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your session has ended: %1
Sign in again to go on where you left off.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Session expired: sign in again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your saved session could not be read from the system keychain: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your credentials could not be saved to the system keychain: %1 You will need to sign in again next time.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 at %2</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>nullify::ui::ActivityModel</name>
    <message>
        <source>%1 s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>sending</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Time</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Method</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Path</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Attempts</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Last status</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Waits</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Outcome</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>In progress</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Waiting to retry</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Done in %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Failed: the server asks to wait until %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Failed: HTTP %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Failed: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Timed out</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Attempt %1 at %2: %3</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>, next attempt after %1 (Retry-After)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>, next attempt after %1</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>nullify::ui::AppSettings</name>
    <message>
        <source>Tenant</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The Nullify tenant opened at start-up, e.g. acme or https://api.acme.nullify.ai.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show desktop notifications</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tell you when a scan or an autofix finishes while you look elsewhere.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Longest wait before a retry (seconds)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A server that asks to wait longer than this gets an error instead of a wait.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Attempts per request</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>How many times a request is tried in all when it is safe to try again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Log level</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The lowest level logged; --log-level overrides it for one run.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>nullify::ui::AutofixView</name>
    <message>
        <source>Planning</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Fixing</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reviewing</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Creating the pull request</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No autofix yet. Choose a finding in Findings and click Autofix.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Proposed change</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Autofix</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Finding %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show diff</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show the proposed change</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Create pull request</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Create a pull request from this fix</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open pull request</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open the pull request in the browser</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Starting…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>An autofix was already running for this finding; following it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the autofix</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Could not start</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Autofix failed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1: the autofix could not be started.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Offline: checking again when the connection is back.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Still running after a while; the app keeps checking, less often.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No longer followed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 · %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Failed: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Autofix pull request opened</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Autofix ready</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1: the fix is ready.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Could not load the diff: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1: the proposed change is ready to review.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Creating the pull request…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the pull request</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Could not create the pull request</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The pull request link is not a web address.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Could not open a browser. The pull request is at %1</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>nullify::ui::ConnectionStatusWidget</name>
    <message>
        <source>Connection status</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Connection state</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Retry now</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Retry the waiting request now</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancel the waiting request</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sign in</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>showing data as of %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Online</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Offline · %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Offline</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Signed out</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>(%n more waiting)</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
</context>
<context>
    <name>nullify::ui::DiffView</name>
    <message>
        <source>deleted: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>new file: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 → %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Proposed change</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The fix changes no file.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>nullify::ui::DisplayText</name>
    <message>
        <source>Critical</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>High</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Medium</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Low</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>None</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Informational</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unknown</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Code</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Dependency</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Container</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Secret</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sensitive data</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pentest</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Bug hunt</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cloud</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Platform</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Requested</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>In progress</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Fix ready</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Preview available</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Creating pull request</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Draft</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pending review</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Failed, will retry</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Failed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pull request merged</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pull request closed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pull request failed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Queued</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Stopping</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Completed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Aborted: configuration error</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Handed to a person</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Secrets</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Dependencies</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Containers</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>nullify::ui::FindingsModel</name>
    <message>
        <source>Open</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Allowlisted</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Resolved</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Severity: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Priority: %1 (score %2)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Priority: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Scanner&apos;s title: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Rule: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 (branch %2)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1, lines %2 to %3</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Updated %1
First seen %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Severity</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Title</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Type</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Repository</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>File and line</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>File:line</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Status</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Autofix</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Updated</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>nullify::ui::FindingsView</name>
    <message>
        <source>lines %1-%2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>line %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1, %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Findings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Loading more...</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Finding type</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>All types</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Severity</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>All severities</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Status</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Any status</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Repository</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>All repositories</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Search title, file, rule</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Search findings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Clear filters</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Clear all filters</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Refresh the findings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Select a finding to see its details.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Type</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Branch</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>File</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Rule</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>CWE</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Package</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Priority</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Autofix</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Description</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Start an autofix for this finding</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Offline: the findings load when the connection is back.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Loading findings...</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Could not load more findings.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Could not load the findings.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 of %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 loaded, more to come</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No findings match these filters.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No findings: nothing to fix right now.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Could not load the details.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Loading details...</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Ask Nullify to fix this finding and open a pull request</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Autofix is not available for this kind of finding</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 at %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 %2 (fixed in %3)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Secret (redacted): %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server has no description for this finding.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>1 finding</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 findings</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>nullify::ui::LoadStateBanner</name>
    <message>
        <source>Retry</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Retry loading</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server had a problem (HTTP %1): %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no details</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your account may not see this (HTTP 403).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server does not know it (HTTP 404).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server answered HTTP %1: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server answered HTTP %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server could not be reached (%1).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server did not answer in time.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The request was cancelled.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server&apos;s answer was too large to read.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server&apos;s answer was not understood (at %1).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server refused: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your session is over: sign in again.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>nullify::ui::OperationRow</name>
    <message>
        <source>Status</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Progress</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Problem</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Dismiss</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Dismiss this row</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancelled.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>nullify::ui::OverviewView</name>
    <message>
        <source>Detected</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Resolved</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>last month: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Security posture</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Refresh the overview</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Overview</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Offline: the overview loads when the connection is back.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Could not load the overview.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Loading the overview...</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1%</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 min %2 s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 h %2 min</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 d %2 h</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Data as of %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Critical</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>High</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Medium</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Low</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open findings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>All open</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Findings funnel</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1, %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This month</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Findings resolved</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Mean time to triage</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Autofix pull requests merged</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Hours saved</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Issues found in pull requests</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>False positives</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Findings within SLA</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Merge-ready rate</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Clean pull requests merged</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pull requests merged</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>New findings this month by kind</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Code</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Secrets</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Dependencies</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Containers</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>APIs</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 urgent · last month: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Repositories with the most urgent findings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Repository</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Urgent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Important</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Negligible</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>New this month</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>nullify::ui::PentestReportDialog</name>
    <message>
        <source>Pentest report</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Close the report</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pentest report: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pentest of %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Summary</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No summary.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Top risks</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Recommendations</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>Findings (%n)</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>No findings.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Severity</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Finding</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Affected asset</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Limitations</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>nullify::ui::PentestScansModel</name>
    <message>
        <source>%1 (external scan)</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%n finding(s)</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>Not finished</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1%</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Application</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Status</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Progress</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Started</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Finished</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>nullify::ui::RepositoriesModel</name>
    <message>
        <source>Application</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Infrastructure</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Library</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Mixed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Internet-facing</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Internal</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Public repository</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Private repository</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Monorepo</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No scan yet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 · %2 critical, %3 high</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 scan: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Branch %1, commit %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Started %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Completed %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 critical, %2 high, %3 medium, %4 low</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 new, %2 fixed, %3 live</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Classification</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Exposure</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Technologies</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The latest %1 scan</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>nullify::ui::RepositoriesView</name>
    <message>
        <source>Filter repositories by name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Filter repositories</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Refresh the repositories</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Repositories</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Select a repository to see its scan runs.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Scanner</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>All scanners</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Load more runs</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Load more scan runs</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Scan runs</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Offline: the repositories load when the connection is back.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Loading repositories...</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Loading more...</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Could not load the repositories.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Could not load more repositories.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This tenant has no repositories yet.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No repositories match “%1”.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Scan runs of %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Could not load the scan runs.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Loading scan runs...</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Loading more scan runs...</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No scan runs for this repository yet.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No %1 scan runs for this repository yet.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 matching in %2 loaded so far</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 loaded, more to come</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 of %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>1 repository</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 repositories</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>nullify::ui::RequestTracker</name>
    <message>
        <source>connection refused</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>connection closed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>host not found</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>timed out</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>secure connection failed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>network unavailable</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>temporary failure</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>proxy error</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>sign-in required</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>not sent again</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>redirect refused</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>network error %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>HTTP 401 · token renewed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>redirected</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>discarded</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>nullify::ui::RetryCountdown</name>
    <message>
        <source>Retry countdown</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Retry status</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Retry now</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Send the request again without waiting</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancel request</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Stop waiting and cancel this request</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 · retrying now</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%1 · retrying in %n s</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>The server asks to wait until %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the scan</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server failed; %1 may or may not have started: check the list before starting again</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server did not answer in time; %1 may or may not have started: check the list before starting again</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The connection was lost; %1 may or may not have started: check the list before starting again</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>nullify::ui::ScanRunsModel</name>
    <message>
        <source>%1 (the default branch)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not finished</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Scanner</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Status</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Branch</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Commit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Started</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Completed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Findings this run found for the first time</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>New</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Findings this run no longer found</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Fixed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Findings open after this run</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Live</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Critical</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>High</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Medium</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Low</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>nullify::ui::ScansView</name>
    <message>
        <source>%1: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> (%1)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Offline: checking again when the connection is back.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cloud scans</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Start cloud scan</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Scan the connected cloud accounts now (Ctrl+Shift+N)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pentests</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Application to pentest</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Start pentest</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Start a pentest of the chosen application</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Application:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pentest history</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open report</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open the report of the selected pentest</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Load more</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Load more pentests</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Refresh the pentest history</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%n pentest(s)</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>Could not load the history: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Scans</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Loading applications…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Could not load the applications: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No applications to pentest.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Could not start</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cloud scan</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Starting…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the cloud scan</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cloud scan %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No longer followed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cloud scan finished</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cloud scan %1: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pentest of %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the pentest</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Stop</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Stop this pentest</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Could not stop: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pentest of %1: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pentest finished</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%n finding(s)</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>Loading the report…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Could not load the report: %1</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>nullify::ui::SettingsDialog</name>
    <message>
        <source>Default for each category</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Debug</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Information</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Warnings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Critical only</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Settings</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>nullify::ui::SignInWindow</name>
    <message>
        <source>Sign in to Nullify</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Notice</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Tenant</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>acme or acme.nullify.ai</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tenant</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your Nullify tenant, for example acme or acme.nullify.ai</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sign in with &amp;browser</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sign in with browser</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sign-in status</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancel sign-in</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sign-in address</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Copy</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copy sign-in address</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Use a service &amp;token</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Use a service token</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Paste a service-account token</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Service token</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Sign in</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sign in with service token</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Use the Nullify &amp;CLI session</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Use the Nullify CLI session</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sign-in error</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Enter your Nullify tenant, for example acme or acme.nullify.ai.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your browser says you signed in. Finishing…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Starting sign-in with %1…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Finish signing in in your browser. If it did not open, copy this address into one:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No browser could be opened. Copy this address into a browser to sign in:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Paste a service-account token first.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Checking the token with %1…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The Nullify CLI has no usable session for %1 any more. Sign in with the browser instead.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Signing in did not work. Please try again.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>nullify::ui::TrayNotifier</name>
    <message>
        <source>&amp;Show Nullify Desktop</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nullify Desktop</source>
        <translation type="unfinished"></translation>
    </message>
</context>
</TS>
