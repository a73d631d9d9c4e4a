<?php
/**
 * A small stand-in for the WordPress functions the Moderation bridge plug-in calls.
 *
 * Not WordPress: just enough of its behaviour (hooks, options, comments and their
 * meta, status transitions, the HTTP API's pre_http_request short-circuit, the REST
 * request and response classes) to run the plug-in in php-cli. Any PHP notice,
 * warning or deprecation stops the script with exit code 70.
 *
 * Each test script includes this file, optionally fake-akismet.php, then calls
 * harness_load_plugin(), runs its checks and ends with harness_done().
 */

error_reporting( E_ALL );
ini_set( 'display_errors', 'stderr' );
set_error_handler(
	static function ( int $errno, string $message, string $file, int $line ): bool {
		fwrite( STDERR, "PHP error ($errno): $message at $file:$line\n" );
		exit( 70 );
	}
);

define( 'ABSPATH', __DIR__ . '/' );
define( 'HARNESS_PLUGIN_FILE', dirname( __DIR__ ) . '/moderation-bridge/moderation-bridge.php' );
define( 'HARNESS_SERVICE', 'https://comments.newsroom.example.org' );

require_once __DIR__ . '/requests-dictionary.php';

// ----------------------------------------------------------------------
// Checks.
// ----------------------------------------------------------------------

$GLOBALS['harness_checks']   = 0;
$GLOBALS['harness_failures'] = 0;

function check( bool $condition, string $what, mixed $detail = null ): void {
	++$GLOBALS['harness_checks'];
	if ( $condition ) {
		echo "ok - $what\n";
		return;
	}
	++$GLOBALS['harness_failures'];
	echo "not ok - $what\n";
	if ( null !== $detail ) {
		echo '  # ' . str_replace( "\n", "\n  # ", var_export( $detail, true ) ) . "\n";
	}
}

function check_same( mixed $expected, mixed $actual, string $what ): void {
	check(
		$expected === $actual,
		$what,
		array(
			'expected' => $expected,
			'actual'   => $actual,
		)
	);
}

function harness_done(): never {
	$name = basename( $_SERVER['argv'][0] ?? 'test' );
	$n    = $GLOBALS['harness_checks'];
	$f    = $GLOBALS['harness_failures'];
	if ( $f > 0 || 0 === $n ) {
		echo "FAIL $name: $f of $n checks failed\n";
		exit( 1 );
	}
	echo "PASS $name: $n checks\n";
	exit( 0 );
}

// ----------------------------------------------------------------------
// Hooks.
// ----------------------------------------------------------------------

$GLOBALS['wp_hooks'] = array();

function add_filter( string $tag, callable $callback, int $priority = 10, int $accepted_args = 1 ): bool {
	$GLOBALS['wp_hooks'][ $tag ][ $priority ][] = array( $callback, $accepted_args );
	return true;
}

function add_action( string $tag, callable $callback, int $priority = 10, int $accepted_args = 1 ): bool {
	return add_filter( $tag, $callback, $priority, $accepted_args );
}

function has_filter( string $tag ): bool {
	return ! empty( $GLOBALS['wp_hooks'][ $tag ] );
}

function apply_filters( string $tag, mixed $value, mixed ...$args ): mixed {
	$by_priority = $GLOBALS['wp_hooks'][ $tag ] ?? array();
	ksort( $by_priority );
	foreach ( $by_priority as $callbacks ) {
		foreach ( $callbacks as [ $callback, $accepted ] ) {
			$value = $callback( ...array_slice( array_merge( array( $value ), $args ), 0, $accepted ) );
		}
	}
	return $value;
}

function do_action( string $tag, mixed ...$args ): void {
	$by_priority = $GLOBALS['wp_hooks'][ $tag ] ?? array();
	ksort( $by_priority );
	foreach ( $by_priority as $callbacks ) {
		foreach ( $callbacks as [ $callback, $accepted ] ) {
			$callback( ...array_slice( $args, 0, $accepted ) );
		}
	}
}

function __return_true(): bool {
	return true;
}

// ----------------------------------------------------------------------
// Options, users, translation and escaping.
// ----------------------------------------------------------------------

$GLOBALS['wp_options'] = array();

function get_option( string $name, mixed $default = false ): mixed {
	// As WordPress: a pre_option_<name> filter that answers anything but false wins.
	$pre = apply_filters( "pre_option_{$name}", false, $name, $default );
	if ( false !== $pre ) {
		return $pre;
	}
	return array_key_exists( $name, $GLOBALS['wp_options'] ) ? $GLOBALS['wp_options'][ $name ] : $default;
}

function update_option( string $name, mixed $value ): bool {
	$GLOBALS['wp_options'][ $name ] = $value;
	return true;
}

function delete_option( string $name ): bool {
	unset( $GLOBALS['wp_options'][ $name ] );
	return true;
}

$GLOBALS['wp_caps']     = array();
$GLOBALS['wp_is_admin'] = false;

function current_user_can( string $capability, mixed ...$args ): bool {
	return in_array( $capability, $GLOBALS['wp_caps'], true );
}

function wp_get_current_user(): object {
	return (object) array( 'user_login' => $GLOBALS['wp_caps'] ? 'editor' : '' );
}

function is_admin(): bool {
	return $GLOBALS['wp_is_admin'];
}

function __( string $text, string $domain = 'default' ): string {
	return $text;
}

function esc_html( mixed $text ): string {
	return htmlspecialchars( (string) $text, ENT_QUOTES, 'UTF-8' );
}

function esc_attr( mixed $text ): string {
	return htmlspecialchars( (string) $text, ENT_QUOTES, 'UTF-8' );
}

function esc_url( mixed $url ): string {
	return htmlspecialchars( (string) $url, ENT_QUOTES, 'UTF-8' );
}

function esc_html__( string $text, string $domain = 'default' ): string {
	return esc_html( $text );
}

function get_locale(): string {
	return 'en_GB';
}

function get_permalink( mixed $post ): string {
	return 'https://news.example/?p=' . (int) $post;
}

function home_url(): string {
	return (string) get_option( 'home' );
}

function admin_url( string $path = '' ): string {
	return 'https://news.example/wp-admin/' . ltrim( $path, '/' );
}

function rest_url( string $path = '' ): string {
	return 'https://news.example/wp-json/' . ltrim( $path, '/' );
}

function plugin_basename( string $file ): string {
	return basename( dirname( $file ) ) . '/' . basename( $file );
}

// Settings API: registrations are recorded, forms print what WordPress prints, roughly.
$GLOBALS['wp_settings']        = array();
$GLOBALS['wp_settings_errors'] = array();
$GLOBALS['wp_options_pages']   = array();

function register_setting( string $group, string $name, array $args = array() ): void {
	$GLOBALS['wp_settings'][ $name ] = $args + array( 'group' => $group );
}

function add_settings_error( string $setting, string $code, string $message, string $type = 'error' ): void {
	$GLOBALS['wp_settings_errors'][] = compact( 'setting', 'code', 'message', 'type' );
}

function add_options_page( string $page_title, string $menu_title, string $capability, string $slug, callable $callback ): string {
	$GLOBALS['wp_options_pages'][ $slug ] = compact( 'page_title', 'menu_title', 'capability', 'callback' );
	return 'settings_page_' . $slug;
}

function settings_fields( string $group ): void {
	echo '<input type="hidden" name="option_page" value="' . esc_attr( $group ) . '" />';
}

function submit_button(): void {
	echo '<input type="submit" class="button button-primary" value="Save Changes" />';
}

// ----------------------------------------------------------------------
// Errors.
// ----------------------------------------------------------------------

class WP_Error {
	public function __construct( public string $code = '', public string $message = '', public mixed $data = '' ) {
	}

	public function get_error_code(): string {
		return $this->code;
	}

	public function get_error_message(): string {
		return $this->message;
	}
}

function is_wp_error( mixed $thing ): bool {
	return $thing instanceof WP_Error;
}

// ----------------------------------------------------------------------
// HTTP: pre_http_request first, as WP_Http::request() does; then the "network",
// which is a handler the test sets and a log of every request that reached it.
// ----------------------------------------------------------------------

$GLOBALS['http_log']     = array();
$GLOBALS['http_handler'] = null;

function wp_remote_request( string $url, array $args = array() ): array|WP_Error {
	$args = array_merge(
		array(
			'method'      => 'GET',
			'timeout'     => 5,
			'httpversion' => '1.0',
			'headers'     => array(),
			'body'        => null,
		),
		$args
	);
	$pre  = apply_filters( 'pre_http_request', false, $args, $url );
	if ( false !== $pre ) {
		return $pre;
	}
	$GLOBALS['http_log'][] = array(
		'url'  => $url,
		'args' => $args,
	);
	$handler               = $GLOBALS['http_handler'];
	if ( null === $handler ) {
		return new WP_Error( 'http_request_failed', 'There is no network in the harness.' );
	}
	return $handler( $url, $args );
}

function wp_remote_post( string $url, array $args = array() ): array|WP_Error {
	$args['method'] = 'POST';
	return wp_remote_request( $url, $args );
}

function wp_remote_get( string $url, array $args = array() ): array|WP_Error {
	$args['method'] = 'GET';
	return wp_remote_request( $url, $args );
}

function harness_response( int $code, string $body, array $headers = array() ): array {
	return array(
		'headers'  => new WpOrg\Requests\Utility\CaseInsensitiveDictionary( $headers ),
		'body'     => $body,
		'response' => array(
			'code'    => $code,
			'message' => 200 === $code ? 'OK' : 'Error',
		),
		'cookies'  => array(),
		'filename' => null,
	);
}

function wp_remote_retrieve_header( mixed $response, string $header ): mixed {
	if ( is_wp_error( $response ) || ! is_array( $response ) || ! isset( $response['headers'] ) ) {
		return '';
	}
	$headers = $response['headers'];
	if ( is_array( $headers ) ) {
		$headers = array_change_key_case( $headers, CASE_LOWER );
	}
	return $headers[ strtolower( $header ) ] ?? '';
}

function wp_remote_retrieve_body( mixed $response ): string {
	return is_array( $response ) && isset( $response['body'] ) ? (string) $response['body'] : '';
}

function wp_remote_retrieve_response_code( mixed $response ): int|string {
	return is_array( $response ) && isset( $response['response']['code'] ) ? (int) $response['response']['code'] : '';
}

/** The form fields of a logged request's body. */
function harness_fields( array $logged ): array {
	$fields = array();
	parse_str( (string) $logged['args']['body'], $fields );
	return $fields;
}

// ----------------------------------------------------------------------
// Comments, their meta and their status.
// ----------------------------------------------------------------------

class WP_Comment {
	public string $comment_ID           = '0';
	public string $comment_post_ID      = '0';
	public string $comment_author       = '';
	public string $comment_author_email = '';
	public string $comment_author_url   = '';
	public string $comment_author_IP    = '';
	public string $comment_date_gmt     = '2026-01-01 00:00:00';
	public string $comment_content      = '';
	public string $comment_approved     = '1';
	public string $comment_agent        = '';
	public string $comment_type         = 'comment';
	public string $comment_parent       = '0';
	public string $user_id              = '0';
}

$GLOBALS['wp_comments']     = array();
$GLOBALS['wp_comment_meta'] = array();
$GLOBALS['wp_next_id']      = 100;

function wp_insert_comment( array $data ): int {
	$id                   = $GLOBALS['wp_next_id']++;
	$comment              = new WP_Comment();
	$comment->comment_ID  = (string) $id;
	foreach ( $data as $key => $value ) {
		if ( property_exists( $comment, $key ) && 'comment_ID' !== $key && is_scalar( $value ) ) {
			$comment->$key = (string) $value;
		}
	}
	$GLOBALS['wp_comments'][ $id ] = $comment;
	do_action( 'wp_insert_comment', $id, $comment );
	return $id;
}

function get_comment( mixed $id ): ?WP_Comment {
	if ( $id instanceof WP_Comment ) {
		return $id;
	}
	return $GLOBALS['wp_comments'][ (int) $id ] ?? null;
}

function get_comment_meta( int|string $id, string $key = '', bool $single = false ): mixed {
	$values = $GLOBALS['wp_comment_meta'][ (int) $id ][ $key ] ?? array();
	return $single ? ( $values[0] ?? '' ) : $values;
}

function update_comment_meta( int|string $id, string $key, mixed $value ): bool {
	$GLOBALS['wp_comment_meta'][ (int) $id ][ $key ] = array( $value );
	return true;
}

function add_comment_meta( int|string $id, string $key, mixed $value ): bool {
	$GLOBALS['wp_comment_meta'][ (int) $id ][ $key ][] = $value;
	return true;
}

function delete_comment_meta( int|string $id, string $key ): bool {
	if ( ! isset( $GLOBALS['wp_comment_meta'][ (int) $id ][ $key ] ) ) {
		return false;
	}
	unset( $GLOBALS['wp_comment_meta'][ (int) $id ][ $key ] );
	do_action( 'deleted_comment_meta', array(), (int) $id, $key, '' );
	return true;
}

/** The parts of WP_Comment_Query the plug-in uses: meta_key/meta_value, status, fields, number. */
function get_comments( array $args = array() ): array {
	$GLOBALS['wp_comment_queries'][] = $args;
	$status                          = $args['status'] ?? 'all';
	$found                           = array();
	$comments                        = $GLOBALS['wp_comments'];
	krsort( $comments );
	foreach ( $comments as $id => $comment ) {
		if ( 'all' === $status && ! in_array( $comment->comment_approved, array( '0', '1' ), true ) ) {
			continue;
		}
		if ( isset( $args['meta_key'] ) && ! in_array( $args['meta_value'] ?? null, get_comment_meta( $id, $args['meta_key'] ), true ) ) {
			continue;
		}
		$found[] = 'ids' === ( $args['fields'] ?? '' ) ? $id : $comment;
	}
	return isset( $args['number'] ) ? array_slice( $found, 0, (int) $args['number'] ) : $found;
}

function wp_get_comment_status( mixed $id ): string|false {
	$comment = get_comment( $id );
	if ( null === $comment ) {
		return false;
	}
	return match ( $comment->comment_approved ) {
		'1' => 'approved',
		'0' => 'unapproved',
		'spam' => 'spam',
		'trash' => 'trash',
		default => false,
	};
}

function wp_set_comment_status( mixed $id, int|string $status ): bool|WP_Error {
	$comment = get_comment( $id );
	if ( null === $comment ) {
		return false;
	}
	$raw = match ( (string) $status ) {
		'hold', '0' => '0',
		'approve', '1' => '1',
		'spam' => 'spam',
		'trash' => 'trash',
		default => null,
	};
	if ( null === $raw ) {
		return false;
	}
	$old                       = $comment->comment_approved;
	$comment->comment_approved = $raw;
	wp_transition_comment_status( $raw, $old, $comment );
	return true;
}

/** wp_delete_comment( $id, true ) in brief: delete_comment, then the meta and the row go, then the 'delete' transition. */
function wp_delete_comment( mixed $id, bool $force_delete = false ): bool {
	$comment = get_comment( $id );
	if ( null === $comment ) {
		return false;
	}
	if ( ! $force_delete && ! in_array( $comment->comment_approved, array( 'trash', 'spam' ), true ) ) {
		return wp_set_comment_status( $id, 'trash' );
	}
	$id = (int) $comment->comment_ID;
	do_action( 'delete_comment', $id, $comment );
	unset( $GLOBALS['wp_comment_meta'][ $id ], $GLOBALS['wp_comments'][ $id ] );
	do_action( 'deleted_comment', $id, $comment );
	wp_transition_comment_status( 'delete', $comment->comment_approved, $comment );
	return true;
}

function wp_spam_comment( mixed $id ): bool {
	return true === wp_set_comment_status( $id, 'spam' );
}

/**
 * check_comment() in brief: false under manual moderation (Settings → Discussion,
 * "Comment must be manually approved"), else what WordPress's other rules say
 * ($GLOBALS['wp_check_comment'], true unless a test says otherwise).
 */
function check_comment( string $author, string $email, string $url, string $comment, string $user_ip, string $user_agent, string $comment_type ): bool {
	if ( 1 === (int) get_option( 'comment_moderation' ) ) {
		return false;
	}
	return $GLOBALS['wp_check_comment'] ?? true;
}

function wp_transition_comment_status( string $new, string $old, WP_Comment $comment ): void {
	$names = array(
		'0' => 'unapproved',
		'1' => 'approved',
	);
	$new   = $names[ $new ] ?? $new;
	$old   = $names[ $old ] ?? $old;
	if ( $new !== $old ) {
		do_action( 'transition_comment_status', $new, $old, $comment );
		do_action( "comment_{$old}_to_{$new}", $comment );
	}
}

/**
 * wp_new_comment() in brief: preprocess_comment (where Akismet checks), then
 * pre_comment_approved starting from what WordPress's own rules say
 * ($GLOBALS['wp_default_approved']: 1, 0, 'spam', 'trash' or a WP_Error for a flood),
 * then the insert and comment_post.
 */
function wp_new_comment( array $commentdata ): int|WP_Error {
	$commentdata = apply_filters( 'preprocess_comment', $commentdata );
	$approved    = apply_filters( 'pre_comment_approved', $GLOBALS['wp_default_approved'] ?? 1, $commentdata );
	if ( is_wp_error( $approved ) ) {
		return $approved;
	}
	$commentdata['comment_approved'] = $approved;
	$id                              = wp_insert_comment( $commentdata );
	do_action( 'comment_post', $id, $approved, $commentdata );
	return $id;
}

/**
 * POST /wp/v2/comments in brief: WordPress decides approval first, then
 * rest_pre_insert_comment (where Akismet checks, and sets 'spam'), then the insert.
 */
function harness_rest_new_comment( array $prepared ): int|WP_Error {
	$prepared['comment_approved'] = apply_filters( 'pre_comment_approved', $GLOBALS['wp_default_approved'] ?? 1, $prepared );
	$prepared                     = apply_filters( 'rest_pre_insert_comment', $prepared, null );
	if ( is_wp_error( $prepared ) ) {
		return $prepared;
	}
	return wp_insert_comment( $prepared );
}

/** A stored comment, as a moderator's earlier work would leave it. */
function harness_comment( string $approved, array $meta = array(), array $fields = array() ): int {
	$id                                    = $GLOBALS['wp_next_id']++;
	$comment                               = new WP_Comment();
	$comment->comment_ID                   = (string) $id;
	$comment->comment_post_ID              = '7';
	$comment->comment_author               = 'Ada';
	$comment->comment_author_email         = 'ada@example.org';
	$comment->comment_author_IP            = '203.0.113.9';
	$comment->comment_agent                = 'Mozilla/5.0';
	$comment->comment_content              = 'Which CVE was it?';
	$comment->comment_approved             = $approved;
	foreach ( $fields as $key => $value ) {
		$comment->$key = (string) $value;
	}
	$GLOBALS['wp_comments'][ $id ] = $comment;
	foreach ( $meta as $key => $value ) {
		update_comment_meta( $id, $key, $value );
	}
	return $id;
}

function harness_status( int $id ): string {
	return $GLOBALS['wp_comments'][ $id ]->comment_approved;
}

// ----------------------------------------------------------------------
// REST.
// ----------------------------------------------------------------------

$GLOBALS['wp_rest_routes'] = array();

class WP_REST_Request {
	private array $headers = array();
	private string $body   = '';

	public function __construct( private string $method = 'GET', private string $route = '' ) {
	}

	private static function canonical( string $name ): string {
		return str_replace( '-', '_', strtolower( $name ) );
	}

	public function set_header( string $name, string $value ): void {
		$this->headers[ self::canonical( $name ) ] = array( $value );
	}

	public function get_header( string $name ): ?string {
		return $this->headers[ self::canonical( $name ) ][0] ?? null;
	}

	public function set_body( string $body ): void {
		$this->body = $body;
	}

	public function get_body(): string {
		return $this->body;
	}

	public function get_method(): string {
		return $this->method;
	}

	public function get_route(): string {
		return $this->route;
	}
}

class WP_REST_Response {
	public function __construct( public mixed $data = null, public int $status = 200 ) {
	}

	public function get_data(): mixed {
		return $this->data;
	}

	public function get_status(): int {
		return $this->status;
	}
}

function register_rest_route( string $namespace, string $route, array $args ): bool {
	$GLOBALS['wp_rest_routes'][ '/' . trim( $namespace, '/' ) . $route ] = $args;
	return true;
}

/** Dispatch a request to a registered route, permission callback first, as WP_REST_Server does. */
function harness_dispatch( WP_REST_Request $request ): WP_REST_Response {
	$route = $GLOBALS['wp_rest_routes'][ $request->get_route() ] ?? null;
	if ( null === $route || $route['methods'] !== $request->get_method() ) {
		return new WP_REST_Response( array( 'code' => 'rest_no_route' ), 404 );
	}
	if ( true !== ( $route['permission_callback'] )( $request ) ) {
		return new WP_REST_Response( array( 'code' => 'rest_forbidden' ), 401 );
	}
	$response = ( $route['callback'] )( $request );
	return $response instanceof WP_REST_Response ? $response : new WP_REST_Response( $response, 200 );
}

/** A webhook call as the service makes it: JSON body, X-Moderation-Signature of the raw body. */
function harness_webhook( array|string $payload, ?string $secret, array $headers = array() ): WP_REST_Response {
	$body    = is_string( $payload ) ? $payload : json_encode( $payload, JSON_UNESCAPED_SLASHES );
	$request = new WP_REST_Request( 'POST', '/moderation/v1/webhook' );
	$request->set_body( $body );
	$request->set_header( 'Content-Type', 'application/json' );
	$request->set_header( 'X-Moderation-Event', is_array( $payload ) ? (string) ( $payload['event'] ?? '' ) : '' );
	if ( null !== $secret ) {
		$request->set_header( 'X-Moderation-Signature', 'sha256=' . hash_hmac( 'sha256', $body, $secret ) );
	}
	foreach ( $headers as $name => $value ) {
		$request->set_header( $name, $value );
	}
	return harness_dispatch( $request );
}

function harness_decision( string $guid, string $status, ?string $rejection = null, string $at = '2026-03-01T12:00:00.000000+00:00' ): array {
	return array(
		'delivery' => 41,
		'event'    => 'check.decided',
		'at'       => $at,
		'data'     => array(
			'guid'      => $guid,
			'status'    => $status,
			'rejection' => $rejection,
			'by'        => 'desk:maria',
		),
	);
}

// ----------------------------------------------------------------------
// Set-up.
// ----------------------------------------------------------------------

/** Load the plug-in as WordPress would: require the main file, then rest_api_init. */
function harness_load_plugin(): void {
	$GLOBALS['wp_options'] += array(
		'home'         => 'https://news.example',
		'blog_charset' => 'UTF-8',
	);
	require_once HARNESS_PLUGIN_FILE;
	do_action( 'rest_api_init' );
}

/** Forget comments, requests and the plug-in's per-request memory between cases. */
function harness_reset(): void {
	$GLOBALS['wp_comments']         = array();
	$GLOBALS['wp_comment_meta']     = array();
	$GLOBALS['wp_comment_queries']  = array();
	$GLOBALS['http_log']            = array();
	$GLOBALS['wp_default_approved'] = 1;
	$GLOBALS['wp_check_comment']    = true;
	$GLOBALS['wp_caps']             = array();
	if ( class_exists( 'Moderation_Bridge', false ) ) {
		Moderation_Bridge::reset();
	}
	if ( class_exists( 'Akismet', false ) && method_exists( 'Akismet', 'harness_reset' ) ) {
		Akismet::harness_reset();
	}
}

/**
 * The service as a network handler: comment-check answers from words in the text
 * ("hold" pending, "spam" rejected, "hold-as-spam" pending but answered true, else
 * approved), each check with its own guid; reports answer Akismet's thanks.
 */
function harness_service( string $base = HARNESS_SERVICE ): callable {
	return static function ( string $url, array $args ) use ( $base ): array|WP_Error {
		if ( ! str_starts_with( $url, $base . '/' ) ) {
			return harness_response( 200, 'akismet.com itself' );
		}
		$path = (string) parse_url( $url, PHP_URL_PATH );
		if ( str_ends_with( $path, '/comment-check' ) ) {
			$fields = array();
			parse_str( (string) $args['body'], $fields );
			$text   = (string) ( $fields['comment_content'] ?? '' );
			$guid   = 'g-' . substr( sha1( $text . count( $GLOBALS['http_log'] ) ), 0, 12 );
			[ $answer, $status ] = match ( true ) {
				str_contains( $text, 'hold-as-spam' ) => array( 'true', 'pending' ),
				str_contains( $text, 'hold' ) => array( 'false', 'pending' ),
				str_contains( $text, 'spam' ) => array( 'true', 'rejected' ),
				default => array( 'false', 'approved' ),
			};
			$GLOBALS['harness_last_guid'] = $guid;
			return harness_response(
				200,
				$answer,
				array(
					'Content-Type'        => 'text/plain; charset=utf-8',
					'X-akismet-guid'      => $guid,
					'X-Moderation-Status' => $status,
				)
			);
		}
		if ( str_ends_with( $path, '/submit-spam' ) || str_ends_with( $path, '/submit-ham' ) || str_ends_with( $path, '/submit-removed' ) ) {
			return harness_response( 200, 'Thanks for making the web a better place.' );
		}
		if ( str_ends_with( $path, '/verify-key' ) ) {
			return harness_response( 200, 'valid' );
		}
		return harness_response( 200, 'path ' . $path );
	};
}
