<?php
/**
 * Stand-in for the header dictionary WordPress (6.2+) puts in an HTTP response's
 * 'headers': names are case-insensitive, as in the real one.
 */

namespace WpOrg\Requests\Utility;

class CaseInsensitiveDictionary implements \ArrayAccess, \IteratorAggregate, \Countable {

	/** @var array<string, mixed> */
	protected array $data = array();

	public function __construct( array $data = array() ) {
		foreach ( $data as $name => $value ) {
			$this->offsetSet( $name, $value );
		}
	}

	public function offsetExists( mixed $offset ): bool {
		return isset( $this->data[ strtolower( (string) $offset ) ] );
	}

	public function offsetGet( mixed $offset ): mixed {
		return $this->data[ strtolower( (string) $offset ) ] ?? null;
	}

	public function offsetSet( mixed $offset, mixed $value ): void {
		$this->data[ strtolower( (string) $offset ) ] = $value;
	}

	public function offsetUnset( mixed $offset ): void {
		unset( $this->data[ strtolower( (string) $offset ) ] );
	}

	public function getIterator(): \ArrayIterator {
		return new \ArrayIterator( $this->data );
	}

	public function count(): int {
		return count( $this->data );
	}

	public function getAll(): array {
		return $this->data;
	}
}
